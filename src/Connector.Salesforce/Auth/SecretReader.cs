namespace Connector.Salesforce.Auth;

/// <summary>Reads a secret from an environment variable or a file (a PEM file, or a secret store's mount path).</summary>
public static class SecretReader
{
    /// <summary>The secret's text; the error names where it was looked for, never its content.</summary>
    public static string Read(string? environmentVariable, string? file, string what)
    {
        if (environmentVariable is not null)
        {
            var value = Environment.GetEnvironmentVariable(environmentVariable);
            return string.IsNullOrEmpty(value)
                ? throw new InvalidOperationException($"{what}: environment variable {environmentVariable} is not set.")
                : value;
        }

        if (file is not null)
        {
            try
            {
                return File.ReadAllText(file).Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new InvalidOperationException($"{what}: cannot read {file} ({e.GetType().Name}).", e);
            }
        }

        throw new InvalidOperationException($"{what} is not configured.");
    }
}

using System.Net;
using Connector.Salesforce.Describe;

namespace Connector.Salesforce.Query;

/// <summary>A statement names an object, field or relationship the org does not have.</summary>
public sealed class SoqlValidationException : Exception
{
    public SoqlValidationException(string message)
        : base(message)
    {
    }

    public SoqlValidationException()
    {
    }

    public SoqlValidationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

public static class SoqlValidation
{
    /// <summary>
    /// Checks the object and every field path against describe, resolving relationship paths
    /// ("Owner.Name", "Advocate__r.Contact__r.Email") through relationshipName and referenceTo, so a typo
    /// fails here with its name instead of as MALFORMED_QUERY mid-sync.
    /// </summary>
    public static async Task ValidateAsync(this SoqlSelect query, DescribeCache describe, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(describe);
        var root = await DescribeAsync(describe, query.SObject, cancellationToken).ConfigureAwait(false)
            ?? throw new SoqlValidationException($"Unknown sObject '{query.SObject}'.");
        foreach (var path in query.FieldPaths)
        {
            await ResolveAsync(describe, root, path, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task ResolveAsync(DescribeCache describe, SObjectDescription root, string path, CancellationToken cancellationToken)
    {
        var segments = path.Split('.');
        IReadOnlyList<SObjectDescription> current = [root];
        for (var i = 0; i < segments.Length - 1; i++)
        {
            var relationship = current.Select(d => d.FindRelationship(segments[i])).FirstOrDefault(f => f is not null)
                ?? throw new SoqlValidationException($"'{segments[i]}' is not a relationship of {Names(current)} (in '{path}').");
            var targets = new List<SObjectDescription>();
            foreach (var target in relationship.ReferenceTo)
            {
                if (await DescribeAsync(describe, target, cancellationToken).ConfigureAwait(false) is { } d)
                {
                    targets.Add(d);
                }
            }

            current = targets.Count > 0 ? targets : throw new SoqlValidationException($"Relationship '{segments[i]}' of {Names(current)} points at no object this org describes (in '{path}').");
        }

        // A polymorphic relationship (Owner → User or Group) accepts a field found on any of its targets.
        var last = segments[^1];
        if (!current.Any(d => d.FindField(last) is not null))
        {
            throw new SoqlValidationException($"No field '{last}' on {Names(current)} (in '{path}').");
        }
    }

    private static async Task<SObjectDescription?> DescribeAsync(DescribeCache describe, string sobject, CancellationToken cancellationToken)
    {
        try
        {
            return await describe.GetAsync(sobject, cancellationToken).ConfigureAwait(false);
        }
        catch (SalesforceApiException e) when (e.Status == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private static string Names(IReadOnlyList<SObjectDescription> objects) => string.Join(" or ", objects.Select(o => o.Name));
}

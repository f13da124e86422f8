using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Connector.SalesforceEmulator.Data;

namespace Connector.SalesforceEmulator.Soql;

/// <summary>
/// Errors worded as the real query engine words them: the statement line echoed, a caret under the
/// offending spot, <c>ERROR at Row:r:Column:c</c>, then the reason (fact sheet §2.3, §2.7).
/// </summary>
internal static class SoqlErrors
{
    public const string WsdlHint = " Please reference your WSDL or the describe call for the appropriate names.";

    public static SalesforceException Malformed(string soql, int position, string reason) =>
        Positioned(soql, position, "MALFORMED_QUERY", reason);

    public static SalesforceException InvalidField(string soql, int position, string reason) =>
        Positioned(soql, position, "INVALID_FIELD", reason);

    public static SalesforceException NoSuchColumn(string soql, int position, string column, string entity) =>
        InvalidField(soql, position, $"No such column '{column}' on entity '{entity}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name." + WsdlHint);

    public static SalesforceException BadRelationship(string soql, int position, string relationship) =>
        InvalidField(soql, position, $"Didn't understand relationship '{relationship}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name." + WsdlHint);

    public static SalesforceException InvalidType(string soql, int position, string sobject) =>
        Positioned(soql, position, "INVALID_TYPE", $"sObject type '{sobject}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name." + WsdlHint);

    public static SalesforceException Positioned(string soql, int position, string errorCode, string reason)
    {
        position = Math.Clamp(position, 0, soql.Length);
        var lineStart = soql.LastIndexOf('\n', Math.Max(0, position - 1)) + 1;
        if (position == 0)
        {
            lineStart = 0;
        }

        var lineEnd = soql.IndexOf('\n', position);
        var line = soql[lineStart..(lineEnd < 0 ? soql.Length : lineEnd)].TrimEnd('\r');
        var row = 1 + soql.AsSpan(0, lineStart).Count('\n');
        var column = position - lineStart + 1;
        var message = new StringBuilder()
            .Append('\n').Append(line).Append('\n')
            .Append(' ', column - 1).Append("^\n")
            .Append(CultureInfo.InvariantCulture, $"ERROR at Row:{row}:Column:{column}\n")
            .Append(reason)
            .ToString();
        return new SalesforceException(400, errorCode, message);
    }
}

/// <summary>Turns a SOQL LIKE pattern into an anchored, case-insensitive regular expression.</summary>
internal static class SoqlLikePattern
{
    public static Regex ToRegex(string pattern)
    {
        var regex = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length && pattern[i + 1] is '%' or '_')
            {
                regex.Append(Regex.Escape(pattern[++i].ToString()));
            }
            else if (c == '%')
            {
                regex.Append(".*");
            }
            else if (c == '_')
            {
                regex.Append('.');
            }
            else
            {
                regex.Append(Regex.Escape(c.ToString()));
            }
        }

        return new Regex(regex.Append('$').ToString(),
            RegexOptions.IgnoreCase | RegexOptions.Singleline | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }
}

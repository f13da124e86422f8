using System.Text;
using Connector.SalesforceEmulator.Data;

namespace Connector.SalesforceEmulator.Bulk;

/// <summary>
/// Bulk API 2.0 result CSV: a header row of the selected columns, every value double-quoted with embedded quotes
/// doubled (RFC 4180), nulls as empty cells, datetimes as <c>…000Z</c>, booleans as true/false.
/// </summary>
public static class BulkCsv
{
    public static readonly IReadOnlyDictionary<string, char> Delimiters = new Dictionary<string, char>(StringComparer.Ordinal)
    {
        ["COMMA"] = ',', ["TAB"] = '\t', ["SEMICOLON"] = ';', ["PIPE"] = '|', ["CARET"] = '^', ["BACKQUOTE"] = '`',
    };

    public static readonly IReadOnlyDictionary<string, string> LineEndings = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["LF"] = "\n", ["CRLF"] = "\r\n",
    };

    public static void AppendRow(StringBuilder output, IReadOnlyList<object?> values, char delimiter, string lineEnding)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (i > 0)
            {
                output.Append(delimiter);
            }

            AppendCell(output, values[i]);
        }

        output.Append(lineEnding);
    }

    public static void AppendCell(StringBuilder output, object? value)
    {
        if (value is null)
        {
            return;
        }

        var text = value as string ?? FieldValues.ToText(value);
        output.Append('"');
        foreach (var c in text)
        {
            if (c == '"')
            {
                output.Append('"');
            }

            output.Append(c);
        }

        output.Append('"');
    }
}

using System.Globalization;
using System.Text;
using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Schema;

namespace Connector.SalesforceEmulator.Streaming;

/// <summary>
/// The part of a PushTopic's SOQL that decides notifications: the object, the selected fields and a WHERE
/// predicate over one record. PushTopic queries are restricted by Salesforce to simple single-object
/// selects (no relationships, aggregates, ORDER BY or LIMIT), so this small parser covers them:
/// comparisons (= != &lt;&gt; &lt; &lt;= &gt; &gt;= LIKE IN NOT IN) of fields with literals, AND/OR/NOT and parentheses.
/// </summary>
internal sealed class PushTopicQuery
{
    private readonly Func<object?[], bool> _where;

    private PushTopicQuery(SObjectSchema schema, IReadOnlyList<FieldSchema> select, IReadOnlySet<string> whereFields, Func<object?[], bool> where)
    {
        Schema = schema;
        Select = select;
        WhereFields = whereFields;
        _where = where;
    }

    public SObjectSchema Schema { get; }
    public IReadOnlyList<FieldSchema> Select { get; }
    public IReadOnlySet<string> WhereFields { get; }

    public bool Matches(object?[] values) => _where(values);

    /// <summary>Parses the query against the org schema; throws <see cref="FormatException"/> when it can't.</summary>
    public static PushTopicQuery Parse(string soql, OrgSchema org)
    {
        var p = new Parser(Tokenize(soql));
        p.Expect("SELECT");
        var names = new List<string> { p.Identifier() };
        while (p.Accept(","))
        {
            names.Add(p.Identifier());
        }

        p.Expect("FROM");
        var objectName = p.Identifier();
        var schema = org.Find(objectName) ?? throw new FormatException($"sObject type '{objectName}' is not supported.");
        var select = names.Select(n => schema.FindField(n) ?? throw new FormatException($"No such column '{n}' on entity '{schema.Name}'.")).ToList();
        var whereFields = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        Func<object?[], bool> where = static _ => true;
        if (p.Accept("WHERE"))
        {
            where = p.Condition(schema, whereFields);
        }

        if (!p.AtEnd)
        {
            throw new FormatException($"Unexpected token '{p.Peek}' in PushTopic query.");
        }

        return new PushTopicQuery(schema, select, whereFields, where);
    }

    private static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '\'')
            {
                var sb = new StringBuilder("'");
                i++;
                while (i < text.Length && text[i] != '\'')
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        i++;
                    }

                    sb.Append(text[i++]);
                }

                i++;
                tokens.Add(sb.ToString());
            }
            else if ("(),".Contains(c, StringComparison.Ordinal))
            {
                tokens.Add(c.ToString());
                i++;
            }
            else if ("=<>!".Contains(c, StringComparison.Ordinal))
            {
                var two = i + 1 < text.Length ? text.Substring(i, 2) : string.Empty;
                var op = two is "<=" or ">=" or "!=" or "<>" ? two : c.ToString();
                tokens.Add(op);
                i += op.Length;
            }
            else
            {
                var start = i;
                while (i < text.Length && !char.IsWhiteSpace(text[i]) && !"(),=<>!'".Contains(text[i], StringComparison.Ordinal))
                {
                    i++;
                }

                tokens.Add(text[start..i]);
            }
        }

        return tokens;
    }

    private sealed class Parser(List<string> tokens)
    {
        private int _pos;

        public bool AtEnd => _pos >= tokens.Count;
        public string Peek => AtEnd ? string.Empty : tokens[_pos];

        public bool Accept(string token)
        {
            if (!AtEnd && string.Equals(tokens[_pos], token, StringComparison.OrdinalIgnoreCase))
            {
                _pos++;
                return true;
            }

            return false;
        }

        public void Expect(string token)
        {
            if (!Accept(token))
            {
                throw new FormatException($"Expected {token} in PushTopic query, found '{Peek}'.");
            }
        }

        public string Identifier() => AtEnd ? throw new FormatException("Unexpected end of PushTopic query.") : tokens[_pos++];

        public Func<object?[], bool> Condition(SObjectSchema schema, HashSet<string> fields)
        {
            var left = Conjunction(schema, fields);
            while (Accept("OR"))
            {
                var l = left;
                var r = Conjunction(schema, fields);
                left = v => l(v) || r(v);
            }

            return left;
        }

        private Func<object?[], bool> Conjunction(SObjectSchema schema, HashSet<string> fields)
        {
            var left = Unary(schema, fields);
            while (Accept("AND"))
            {
                var l = left;
                var r = Unary(schema, fields);
                left = v => l(v) && r(v);
            }

            return left;
        }

        private Func<object?[], bool> Unary(SObjectSchema schema, HashSet<string> fields)
        {
            if (Accept("NOT"))
            {
                var inner = Unary(schema, fields);
                return v => !inner(v);
            }

            if (Accept("("))
            {
                var inner = Condition(schema, fields);
                Expect(")");
                return inner;
            }

            var name = Identifier();
            var field = schema.FindField(name) ?? throw new FormatException($"No such column '{name}' on entity '{schema.Name}'.");
            fields.Add(field.Name);
            var ordinal = field.Ordinal;
            if (Accept("NOT"))
            {
                Expect("IN");
                var set = List(field);
                return v => !set.Any(x => Compare(v[ordinal], x) == 0);
            }

            if (Accept("IN"))
            {
                var set = List(field);
                return v => set.Any(x => Compare(v[ordinal], x) == 0);
            }

            if (Accept("LIKE"))
            {
                var pattern = Literal(field) as string ?? string.Empty;
                var regex = new System.Text.RegularExpressions.Regex(
                    "^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace("%", ".*", StringComparison.Ordinal).Replace("_", ".", StringComparison.Ordinal) + "$",
                    System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.Singleline);
                return v => v[ordinal] is { } x && regex.IsMatch(FieldValues.ToText(x));
            }

            var op = Identifier();
            var literal = Literal(field);
            return op switch
            {
                "=" => v => Compare(v[ordinal], literal) == 0,
                "!=" or "<>" => v => Compare(v[ordinal], literal) != 0,
                "<" => v => v[ordinal] is not null && literal is not null && Compare(v[ordinal], literal) < 0,
                "<=" => v => v[ordinal] is not null && literal is not null && Compare(v[ordinal], literal) <= 0,
                ">" => v => v[ordinal] is not null && literal is not null && Compare(v[ordinal], literal) > 0,
                ">=" => v => v[ordinal] is not null && literal is not null && Compare(v[ordinal], literal) >= 0,
                _ => throw new FormatException($"Unknown operator '{op}' in PushTopic query."),
            };
        }

        private List<object?> List(FieldSchema field)
        {
            Expect("(");
            var values = new List<object?> { Literal(field) };
            while (Accept(","))
            {
                values.Add(Literal(field));
            }

            Expect(")");
            return values;
        }

        private object? Literal(FieldSchema field)
        {
            var token = Identifier();
            if (token.StartsWith('\''))
            {
                return field.IsText ? token[1..] : FieldValues.FromText(field, token[1..]);
            }

            return token.ToUpperInvariant() switch
            {
                "NULL" => null,
                "TRUE" => true,
                "FALSE" => false,
                _ => FieldValues.FromText(field, token),
            };
        }

        private static int Compare(object? a, object? b) => (a, b) switch
        {
            (null, null) => 0,
            (null, _) => -1,
            (_, null) => 1,
            (string x, string y) => string.Compare(x, y, StringComparison.OrdinalIgnoreCase),
            (decimal x, int y) => x.CompareTo(y),
            (int x, decimal y) => ((decimal)x).CompareTo(y),
            (IComparable x, _) when a.GetType() == b.GetType() => x.CompareTo(b),
            _ => string.Compare(Convert.ToString(a, CultureInfo.InvariantCulture), Convert.ToString(b, CultureInfo.InvariantCulture), StringComparison.OrdinalIgnoreCase),
        };
    }
}

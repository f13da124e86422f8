using System.Globalization;
using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Schema;

namespace Connector.SalesforceEmulator.Soql;

/// <summary>
/// Parses SOQL into a <see cref="SoqlQuery"/> checked against the org schema. Like the real engine it
/// first parses the whole statement (syntax errors → MALFORMED_QUERY), then resolves the object
/// (INVALID_TYPE), the fields (INVALID_FIELD) and the literals against the field types.
/// Supported: field lists with parent paths (up to 5 levels), COUNT() / COUNT(field), one FROM object,
/// WHERE with AND/OR/NOT and parentheses, = != &lt;&gt; &lt; &lt;= &gt; &gt;=, [NOT] IN, LIKE, literals of every
/// type incl. relative dates and currency prefixes, ORDER BY … ASC|DESC NULLS FIRST|LAST, LIMIT, OFFSET.
/// </summary>
public static class SoqlParser
{
    /// <summary>Longest statement the real API accepts (fact sheet §2.3).</summary>
    public const int MaxLength = 100_000;

    /// <summary>Largest OFFSET the real API accepts.</summary>
    public const int MaxOffset = 2000;

    /// <summary>Deepest parent-relationship path (Account.Owner.Manager… counts the dots).</summary>
    public const int MaxRelationshipDepth = 5;

    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "LIMIT", "OFFSET", "NULL",
        "TRUE", "FALSE", "GROUP", "HAVING", "WITH", "USING", "NULLS", "INCLUDES", "EXCLUDES", "ASC", "DESC", "FOR",
    };

    /// <summary>Parses and validates <paramref name="soql"/>; throws <see cref="SalesforceException"/> with the real error codes and messages.</summary>
    public static SoqlQuery Parse(string soql, OrgSchema schema)
    {
        ArgumentNullException.ThrowIfNull(soql);
        ArgumentNullException.ThrowIfNull(schema);
        if (soql.Length > MaxLength)
        {
            throw new SalesforceException(400, "MALFORMED_QUERY", "SOQL statements cannot be longer than 100,000 characters.");
        }

        RawQuery raw;
        try
        {
            raw = new SyntaxReader(soql, SoqlLexer.Tokenize(soql)).ReadQuery();
        }
        catch (SoqlSyntaxException e) when (e.Position < 0)
        {
            throw new SalesforceException(400, "MALFORMED_QUERY", e.Message);
        }
        catch (SoqlSyntaxException e)
        {
            throw SoqlErrors.Malformed(soql, e.Position, e.Message);
        }

        return new Resolver(soql, schema).Resolve(raw);
    }

    // ---- Syntax: tokens → raw tree (names not yet checked) ----

    private sealed record RawPath(IReadOnlyList<string> Segments, int Position);

    private sealed record RawItem(RawPath? Path, string? Aggregate, string? Alias, int Position);

    private abstract record RawCondition;

    private sealed record RawLogical(bool IsAnd, IReadOnlyList<RawCondition> Operands) : RawCondition;

    private sealed record RawNot(RawCondition Operand) : RawCondition;

    private sealed record RawComparison(RawPath Path, string Operator, RawValue Value) : RawCondition;

    private sealed record RawIn(RawPath Path, bool Negated, IReadOnlyList<RawValue> Values) : RawCondition;

    private sealed record RawLike(RawPath Path, RawValue Pattern) : RawCondition;

    private sealed record RawValue(Token Token, int? N = null);

    private sealed record RawOrdering(RawPath Path, bool Descending, bool? NullsFirst);

    private sealed record RawQuery(IReadOnlyList<RawItem> Items, string Object, int ObjectPosition, RawCondition? Where,
        IReadOnlyList<RawOrdering> OrderBy, int? Limit, int? Offset);

    private sealed class SyntaxReader(string soql, List<Token> tokens)
    {
        private int _i;

        private Token Current => tokens[_i];

        public RawQuery ReadQuery()
        {
            if (!Current.Is("SELECT"))
            {
                // A statement that does not even start with SELECT gets no position block (fixture
                // rest-errors/malformed_query_unexpected_token_2025_*).
                throw new SoqlSyntaxException(-1, $"unexpected token: '{Current.Display}'");
            }

            _i++;
            var items = new List<RawItem> { ReadItem() };
            while (Current.Kind == TokenKind.Comma)
            {
                _i++;
                items.Add(ReadItem());
            }

            Expect("FROM");
            var obj = Current;
            if (obj.Kind != TokenKind.Identifier || Reserved.Contains(obj.Text))
            {
                throw Unexpected();
            }

            _i++;
            RawCondition? where = null;
            if (Current.Is("WHERE"))
            {
                _i++;
                where = ReadCondition();
            }

            var orderBy = new List<RawOrdering>();
            if (Current.Is("ORDER"))
            {
                _i++;
                Expect("BY");
                do
                {
                    if (orderBy.Count > 0)
                    {
                        _i++;
                    }

                    orderBy.Add(ReadOrdering());
                }
                while (Current.Kind == TokenKind.Comma);
            }

            int? limit = null;
            if (Current.Is("LIMIT"))
            {
                _i++;
                limit = ReadInteger();
            }

            int? offset = null;
            if (Current.Is("OFFSET"))
            {
                _i++;
                offset = ReadInteger();
            }

            if (Current.Kind != TokenKind.End)
            {
                throw Unexpected();
            }

            return new RawQuery(items, obj.Text, obj.Start, where, orderBy, limit, offset);
        }

        private RawItem ReadItem()
        {
            var start = Current;
            if (start.Is("COUNT") && tokens[_i + 1].Kind == TokenKind.LeftParen)
            {
                _i += 2;
                RawPath? path = null;
                if (Current.Kind != TokenKind.RightParen)
                {
                    path = ReadPath();
                }

                ExpectKind(TokenKind.RightParen);
                string? alias = null;
                if (Current.Kind == TokenKind.Identifier && !Reserved.Contains(Current.Text))
                {
                    alias = Current.Text;
                    _i++;
                }

                return new RawItem(path, "COUNT", alias, start.Start);
            }

            return new RawItem(ReadPath(), null, null, start.Start);
        }

        private RawPath ReadPath()
        {
            var start = Current.Start;
            var segments = new List<string> { ReadName() };
            while (Current.Kind == TokenKind.Dot)
            {
                _i++;
                segments.Add(ReadName());
            }

            return new RawPath(segments, start);
        }

        private string ReadName()
        {
            var t = Current;
            if (t.Kind != TokenKind.Identifier || Reserved.Contains(t.Text))
            {
                throw Unexpected();
            }

            _i++;
            return t.Text;
        }

        // SOQL has no precedence between AND and OR: mixing them without parentheses is a syntax error
        // (Summer '24 release notes: "… OR (…) AND ParentId = …" → unexpected token: 'AND').
        private RawCondition ReadCondition()
        {
            var first = ReadUnary();
            if (!Current.Is("AND") && !Current.Is("OR"))
            {
                return first;
            }

            var isAnd = Current.Is("AND");
            var operands = new List<RawCondition> { first };
            while (Current.Is(isAnd ? "AND" : "OR"))
            {
                _i++;
                operands.Add(ReadUnary());
            }

            if (Current.Is(isAnd ? "OR" : "AND"))
            {
                throw Unexpected();
            }

            return new RawLogical(isAnd, operands);
        }

        private RawCondition ReadUnary()
        {
            if (Current.Is("NOT"))
            {
                _i++;
                return new RawNot(ReadUnary());
            }

            if (Current.Kind == TokenKind.LeftParen)
            {
                _i++;
                var inner = ReadCondition();
                ExpectKind(TokenKind.RightParen);
                return inner;
            }

            var path = ReadPath();
            var op = Current;
            if (op.Kind == TokenKind.Operator)
            {
                _i++;
                return new RawComparison(path, op.Text, ReadValue());
            }

            if (op.Is("LIKE"))
            {
                _i++;
                return new RawLike(path, ReadValue());
            }

            var negated = false;
            if (op.Is("NOT") && tokens[_i + 1].Is("IN"))
            {
                negated = true;
                _i++;
            }

            if (Current.Is("IN"))
            {
                _i++;
                ExpectKind(TokenKind.LeftParen);
                var values = new List<RawValue> { ReadValue() };
                while (Current.Kind == TokenKind.Comma)
                {
                    _i++;
                    values.Add(ReadValue());
                }

                ExpectKind(TokenKind.RightParen);
                return new RawIn(path, negated, values);
            }

            throw Unexpected();
        }

        private RawValue ReadValue()
        {
            var t = Current;
            switch (t.Kind)
            {
                case TokenKind.String or TokenKind.Number or TokenKind.Date or TokenKind.DateTime:
                    _i++;
                    return new RawValue(t);
                case TokenKind.Identifier when t.Is("NULL") || t.Is("TRUE") || t.Is("FALSE") || SoqlDateLiteral.IsFixed(t.Text) || IsCurrency(t.Text):
                    _i++;
                    return new RawValue(t);
                case TokenKind.Identifier when SoqlDateLiteral.TakesN(t.Text):
                    _i++;
                    ExpectKind(TokenKind.Colon);
                    return new RawValue(t, ReadInteger());
                default:
                    throw Unexpected();
            }
        }

        private RawOrdering ReadOrdering()
        {
            var path = ReadPath();
            var descending = false;
            if (Current.Is("ASC") || Current.Is("DESC"))
            {
                descending = Current.Is("DESC");
                _i++;
            }

            bool? nullsFirst = null;
            if (Current.Is("NULLS"))
            {
                _i++;
                if (!Current.Is("FIRST") && !Current.Is("LAST"))
                {
                    throw Unexpected();
                }

                nullsFirst = Current.Is("FIRST");
                _i++;
            }

            return new RawOrdering(path, descending, nullsFirst);
        }

        private int ReadInteger()
        {
            var t = Current;
            if (t.Kind != TokenKind.Number || !int.TryParse(t.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                throw Unexpected();
            }

            _i++;
            return n;
        }

        private void Expect(string keyword)
        {
            if (!Current.Is(keyword))
            {
                throw Unexpected();
            }

            _i++;
        }

        private void ExpectKind(TokenKind kind)
        {
            if (Current.Kind != kind)
            {
                throw Unexpected();
            }

            _i++;
        }

        private SoqlSyntaxException Unexpected() =>
            new(Current.Kind == TokenKind.End ? soql.Length : Current.Start, $"unexpected token: '{Current.Display}'");
    }

    internal static bool IsCurrency(string word) =>
        word.Length > 3 && char.IsAsciiLetterUpper(word[0]) && char.IsAsciiLetterUpper(word[1]) && char.IsAsciiLetterUpper(word[2])
        && decimal.TryParse(word.AsSpan(3), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out _);

    // ---- Semantics: raw tree → schema-checked query ----

    private sealed class Resolver(string soql, OrgSchema schema)
    {
        private SObjectSchema _root = null!;

        public SoqlQuery Resolve(RawQuery raw)
        {
            if (!schema.TryGet(raw.Object, out _root) || !_root.Queryable || _root.Kind != SObjectKind.Entity)
            {
                throw SoqlErrors.InvalidType(soql, raw.ObjectPosition, raw.Object);
            }

            var columns = ResolveColumns(raw.Items);
            var where = raw.Where is null ? null : ResolveCondition(raw.Where);
            var orderBy = raw.OrderBy.Select(o =>
            {
                var path = ResolvePath(o.Path);
                if (!path.Field.Sortable)
                {
                    throw SoqlErrors.InvalidField(soql, o.Path.Position, $"field '{path.Field.Name}' can not be sorted in a query call");
                }

                // Salesforce's defaults: ascending puts nulls first, descending puts them last.
                return new SoqlOrdering(path, o.Descending, o.NullsFirst ?? !o.Descending);
            }).ToList();

            if (raw.Offset > MaxOffset)
            {
                throw new SalesforceException(400, "NUMBER_OUTSIDE_VALID_RANGE", $"Maximum SOQL offset allowed is {MaxOffset}");
            }

            return new SoqlQuery(soql, _root, columns, where, orderBy, raw.Limit, raw.Offset);
        }

        private List<SoqlColumn> ResolveColumns(IReadOnlyList<RawItem> items)
        {
            var columns = new List<SoqlColumn>();
            var countAll = items.FirstOrDefault(i => i.Aggregate is not null && i.Path is null);
            if (countAll is not null)
            {
                // COUNT() stands alone: anything next to it is a syntax error in the real grammar.
                if (items.Count > 1)
                {
                    var other = items.First(i => !ReferenceEquals(i, countAll));
                    throw SoqlErrors.Malformed(soql, other.Position, $"unexpected token: '{TokenTextAt(other.Position)}'");
                }

                return columns;
            }

            var aggregates = 0;
            var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var item in items)
            {
                var path = ResolvePath(item.Path!);
                SoqlColumn column;
                if (item.Aggregate is not null)
                {
                    column = new SoqlColumn(path, SoqlAggregate.Count, item.Alias ?? "expr" + aggregates.ToString(CultureInfo.InvariantCulture));
                    aggregates++;
                }
                else
                {
                    column = new SoqlColumn(path, null, path.Name);
                }

                if (!names.Add(column.Name))
                {
                    throw SoqlErrors.Malformed(soql, item.Position, $"duplicate field selected: {column.Name}");
                }

                columns.Add(column);
            }

            if (aggregates > 0 && columns.FirstOrDefault(c => c.Aggregate is null) is { } plain)
            {
                throw SoqlErrors.Malformed(soql, plain.Path!.Position, $"Field must be grouped or aggregated: {plain.Path.Name}");
            }

            return columns;
        }

        private string TokenTextAt(int position)
        {
            var end = position;
            while (end < soql.Length && (char.IsAsciiLetterOrDigit(soql[end]) || soql[end] == '_'))
            {
                end++;
            }

            return end > position ? soql[position..end] : soql[position].ToString();
        }

        private SoqlFieldPath ResolvePath(RawPath raw)
        {
            var segments = raw.Segments;
            if (segments.Count - 1 > MaxRelationshipDepth)
            {
                throw SoqlErrors.Malformed(soql, raw.Position,
                    $"SOQL statements cannot query relationships that are more than {MaxRelationshipDepth} levels away from the root entity object.");
            }

            IReadOnlyList<SObjectSchema> current = [_root];
            var hops = new List<SoqlHop>();
            for (var i = 0; i < segments.Count - 1; i++)
            {
                var lookup = current.Select(s => s.FindRelationship(segments[i])).FirstOrDefault(f => f is not null)
                    ?? throw SoqlErrors.BadRelationship(soql, raw.Position, segments[i]);
                var targets = lookup.ReferenceTo.Select(schema.Find).OfType<SObjectSchema>().ToList();
                hops.Add(new SoqlHop(lookup, lookup.RelationshipName!, targets));
                current = targets;
            }

            var leaf = segments[^1];
            var field = current.Select(s => s.FindField(leaf)).FirstOrDefault(f => f is not null);
            if (field is null)
            {
                // Polymorphic lookups (Owner: User or Group) are queried through the "Name" entity.
                var entity = current.Count == 1 ? current[0].Name : "Name";
                throw SoqlErrors.NoSuchColumn(soql, raw.Position, string.Join('.', segments), entity);
            }

            return new SoqlFieldPath(hops, field, raw.Position);
        }

        private SoqlCondition ResolveCondition(RawCondition raw) => raw switch
        {
            RawLogical l when l.IsAnd => new SoqlAnd(l.Operands.Select(ResolveCondition).ToList()),
            RawLogical l => new SoqlOr(l.Operands.Select(ResolveCondition).ToList()),
            RawNot n => new SoqlNot(ResolveCondition(n.Operand)),
            RawComparison c => ResolveComparison(c),
            RawIn i => ResolveIn(i),
            RawLike like => ResolveLike(like),
            _ => throw new InvalidOperationException("Unknown condition " + raw.GetType().Name),
        };

        private SoqlCondition ResolveComparison(RawComparison c)
        {
            var path = FilterPath(c.Path);
            var op = c.Operator switch
            {
                "=" => SoqlOperator.Equal,
                "!=" or "<>" => SoqlOperator.NotEqual,
                "<" => SoqlOperator.Less,
                "<=" => SoqlOperator.LessOrEqual,
                ">" => SoqlOperator.Greater,
                _ => SoqlOperator.GreaterOrEqual,
            };
            var value = ResolveValue(path, c.Value);
            if (value.IsNull && op is not (SoqlOperator.Equal or SoqlOperator.NotEqual))
            {
                throw SoqlErrors.Malformed(soql, c.Value.Token.Start, "unexpected token: 'null'");
            }

            if (op is not (SoqlOperator.Equal or SoqlOperator.NotEqual) && path.Field.Type is FieldType.Boolean)
            {
                throw SoqlErrors.Positioned(soql, c.Path.Position, "INVALID_QUERY_FILTER_OPERATOR", $"invalid operator on boolean field: {path.Name}");
            }

            return new SoqlComparison(path, op, value);
        }

        private SoqlIn ResolveIn(RawIn i)
        {
            var path = FilterPath(i.Path);
            return new SoqlIn(path, i.Negated, i.Values.Select(v => ResolveValue(path, v)).ToList());
        }

        private SoqlLike ResolveLike(RawLike like)
        {
            var path = FilterPath(like.Path);
            if (like.Pattern.Token.Kind != TokenKind.String || !path.Field.IsText)
            {
                throw TypeError(path);
            }

            return new SoqlLike(path, like.Pattern.Token.Value!);
        }

        private SoqlFieldPath FilterPath(RawPath raw)
        {
            var path = ResolvePath(raw);
            if (!path.Field.Filterable)
            {
                throw SoqlErrors.InvalidField(soql, raw.Position, $"field '{path.Field.Name}' can not be filtered in query call");
            }

            return path;
        }

        private SoqlValue ResolveValue(SoqlFieldPath path, RawValue raw)
        {
            var t = raw.Token;
            var field = path.Field;
            if (t.Is("NULL"))
            {
                return new SoqlValue(null);
            }

            switch (t.Kind)
            {
                case TokenKind.String when field.IsText:
                    if (field.Type is FieldType.Id or FieldType.Reference)
                    {
                        // Ids compare in their 18-character form; a malformed one is rejected up front.
                        var id = SalesforceIds.Normalize(t.Value);
                        if (id is null && t.Value!.Length > 0)
                        {
                            throw SoqlErrors.Malformed(soql, t.Start, "invalid ID field: " + t.Value);
                        }

                        return new SoqlValue(id);
                    }

                    return new SoqlValue(t.Value);
                case TokenKind.Number when field.IsNumeric:
                    return new SoqlValue(decimal.Parse(t.Text, NumberStyles.Float, CultureInfo.InvariantCulture));
                case TokenKind.Date when field.Type == FieldType.Date:
                    return new SoqlValue(FieldValues.ParseDate(t.Text));
                case TokenKind.DateTime when field.Type == FieldType.DateTime:
                    return new SoqlValue(FieldValues.ParseDateTime(string.Concat(t.Text.AsSpan(0, 10), "T", t.Text.AsSpan(11)).ToUpperInvariant()));
                case TokenKind.Identifier when (t.Is("TRUE") || t.Is("FALSE")) && field.Type == FieldType.Boolean:
                    return new SoqlValue(t.Is("TRUE"));
                case TokenKind.Identifier when field.Type is FieldType.Date or FieldType.DateTime
                        && (SoqlDateLiteral.IsFixed(t.Text) || SoqlDateLiteral.TakesN(t.Text)):
                    return new SoqlValue(null, new SoqlDateLiteral(t.Text.ToUpperInvariant(), raw.N));
                case TokenKind.Identifier when IsCurrency(t.Text) && field.IsNumeric:
                    // The ISO prefix names the currency the amount is in; the emulator compares the number as is.
                    return new SoqlValue(decimal.Parse(t.Text.AsSpan(3), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture));
                default:
                    throw TypeError(path);
            }
        }

        private SalesforceException TypeError(SoqlFieldPath path)
        {
            var field = path.Field;
            var type = field.Type switch
            {
                _ when field.IsText => "string",
                FieldType.Boolean => "boolean",
                FieldType.Int => "integer",
                FieldType.Date => "date",
                FieldType.DateTime => "dateTime",
                FieldType.Time => "time",
                _ => "double",
            };
            var quoting = field.IsText ? "should be enclosed in quotes" : "should not be enclosed in quotes";
            return SoqlErrors.InvalidField(soql, path.Position, $"value of filter criterion for field '{path.Name}' must be of type {type} and {quoting}");
        }
    }
}

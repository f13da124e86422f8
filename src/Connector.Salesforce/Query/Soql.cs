using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Connector.Salesforce.Query;

/// <summary>
/// Entry points of the SOQL builder:
/// <code>
/// Soql.From("Lead").Select("Id", "Name", "Owner.Name")
///     .Where(Soql.Field("Email").Equal(email))
///     .And(Soql.Field("SystemModstamp").GreaterThan(since))
///     .OrderBy("SystemModstamp").ThenBy("Id").Limit(200)
/// </code>
/// Values only enter as <see cref="SoqlValue"/> literals and names are checked against the identifier
/// grammar, so no string concatenation of values is possible through this API.
/// </summary>
public static partial class Soql
{
    public static SoqlSelect From(string sobject) => SoqlSelect.Create(CheckName(sobject, allowPath: false));

    public static SoqlField Field(string path) => new(CheckName(path, allowPath: true));

    /// <summary>All of the conditions (parenthesised where needed).</summary>
    public static SoqlCondition And(params SoqlCondition[] conditions) => SoqlCondition.Combine("AND", conditions);

    /// <summary>Any of the conditions (parenthesised where needed).</summary>
    public static SoqlCondition Or(params SoqlCondition[] conditions) => SoqlCondition.Combine("OR", conditions);

    public static SoqlCondition Not(SoqlCondition condition) => new SoqlCondition.Negation(condition);

    /// <summary>Object names, field names and relationship paths: letters, digits and underscores ("Owner.Name", "ns__Field__c").</summary>
    internal static string CheckName(string name, bool allowPath)
    {
        ArgumentNullException.ThrowIfNull(name);
        var ok = allowPath ? PathPattern().IsMatch(name) : NamePattern().IsMatch(name);
        return ok ? name : throw new ArgumentException($"'{name}' is not a valid SOQL {(allowPath ? "field path" : "object name")}.", nameof(name));
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]*$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]*(\\.[A-Za-z][A-Za-z0-9_]*)*$")]
    private static partial Regex PathPattern();
}

/// <summary>A field (or relationship path) to compare.</summary>
public sealed class SoqlField
{
    internal SoqlField(string path) => Path = path;

    public string Path { get; }

    public SoqlCondition Equal(SoqlValue value) => Compare("=", value);
    public SoqlCondition NotEqual(SoqlValue value) => Compare("!=", value);
    public SoqlCondition GreaterThan(SoqlValue value) => Compare(">", value);
    public SoqlCondition GreaterOrEqual(SoqlValue value) => Compare(">=", value);
    public SoqlCondition LessThan(SoqlValue value) => Compare("<", value);
    public SoqlCondition LessOrEqual(SoqlValue value) => Compare("<=", value);
    public SoqlCondition IsNull() => Compare("=", SoqlValue.Null);
    public SoqlCondition IsNotNull() => Compare("!=", SoqlValue.Null);

    /// <summary>LIKE with a pattern whose % and _ are wildcards (see <see cref="SoqlValue.LikePattern"/>).</summary>
    public SoqlCondition Like(string pattern) => Compare("LIKE", SoqlValue.LikePattern(pattern));

    /// <summary>LIKE 'prefix%' with the prefix matched literally (its own % and _ escaped).</summary>
    public SoqlCondition StartsWith(string prefix) => Compare("LIKE", SoqlValue.StartsWith(prefix));

    public SoqlCondition Contains(string text) => Compare("LIKE", SoqlValue.Contains(text));

    public SoqlCondition EndsWith(string suffix) => Compare("LIKE", SoqlValue.EndsWith(suffix));

    public SoqlCondition In(IEnumerable<SoqlValue> values) => InList("IN", values);
    public SoqlCondition In(params SoqlValue[] values) => InList("IN", values);
    public SoqlCondition In(IEnumerable<string> values) => InList("IN", values.Select(v => (SoqlValue)v));
    public SoqlCondition NotIn(IEnumerable<SoqlValue> values) => InList("NOT IN", values);
    public SoqlCondition NotIn(IEnumerable<string> values) => InList("NOT IN", values.Select(v => (SoqlValue)v));

    /// <summary>Id IN (...) with every id checked to be a Salesforce id.</summary>
    public SoqlCondition InIds(IEnumerable<string> ids) => InList("IN", ids.Select(SoqlValue.Id));

    private SoqlCondition Compare(string op, SoqlValue value) => new SoqlCondition.Comparison(Path, op, value.Text);

    private SoqlCondition InList(string op, IEnumerable<SoqlValue> values)
    {
        var list = values.Select(v => v.Text).ToImmutableArray();
        // "IN ()" is a syntax error in SOQL; an empty set is the caller's decision to make (skip the query).
        return list.Length == 0
            ? throw new ArgumentException($"{op} needs at least one value.", nameof(values))
            : new SoqlCondition.Comparison(Path, op, "(" + string.Join(",", list) + ")");
    }
}

/// <summary>A WHERE condition. Combine with <c>&amp;</c>, <c>|</c>, <see cref="Soql.And"/>, <see cref="Soql.Or"/>.</summary>
public abstract class SoqlCondition
{
    private protected SoqlCondition()
    {
    }

    public static SoqlCondition operator &(SoqlCondition left, SoqlCondition right) => Combine("AND", [left, right]);

    public static SoqlCondition operator |(SoqlCondition left, SoqlCondition right) => Combine("OR", [left, right]);

    public static SoqlCondition operator !(SoqlCondition condition) => new Negation(condition);

    public SoqlCondition BitwiseAnd(SoqlCondition other) => this & other;

    public SoqlCondition BitwiseOr(SoqlCondition other) => this | other;

    public SoqlCondition LogicalNot() => !this;

    public override string ToString()
    {
        var b = new StringBuilder();
        Render(b);
        return b.ToString();
    }

    internal abstract void Render(StringBuilder b);

    internal abstract IEnumerable<string> FieldPaths { get; }

    internal static SoqlCondition Combine(string op, IReadOnlyList<SoqlCondition> conditions)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        if (conditions.Count == 0)
        {
            throw new ArgumentException($"{op} needs at least one condition.", nameof(conditions));
        }

        // Same-operator groups flatten; anything else nested stays a parenthesised group, because SOQL
        // refuses AND and OR mixed at one level without parentheses.
        var flat = conditions.SelectMany(c => c is Logical l && l.Operator == op ? l.Children : [c]).ToImmutableArray();
        return flat.Length == 1 ? flat[0] : new Logical(op, flat);
    }

    internal sealed class Comparison(string path, string op, string operand) : SoqlCondition
    {
        internal override IEnumerable<string> FieldPaths => [path];

        internal override void Render(StringBuilder b) => b.Append(path).Append(' ').Append(op).Append(' ').Append(operand);
    }

    internal sealed class Logical(string op, ImmutableArray<SoqlCondition> children) : SoqlCondition
    {
        public string Operator { get; } = op;
        public ImmutableArray<SoqlCondition> Children { get; } = children;

        internal override IEnumerable<string> FieldPaths => Children.SelectMany(c => c.FieldPaths);

        internal override void Render(StringBuilder b)
        {
            for (var i = 0; i < Children.Length; i++)
            {
                if (i > 0)
                {
                    b.Append(' ').Append(Operator).Append(' ');
                }

                RenderOperand(b, Children[i]);
            }
        }
    }

    internal sealed class Negation(SoqlCondition inner) : SoqlCondition
    {
        internal override IEnumerable<string> FieldPaths => inner.FieldPaths;

        internal override void Render(StringBuilder b)
        {
            b.Append("NOT (");
            inner.Render(b);
            b.Append(')');
        }
    }

    private static void RenderOperand(StringBuilder b, SoqlCondition c)
    {
        if (c is Logical)
        {
            b.Append('(');
            c.Render(b);
            b.Append(')');
        }
        else
        {
            c.Render(b);
        }
    }
}

public enum SoqlDirection
{
    Ascending,
    Descending,
}

/// <summary>An immutable SELECT statement; each method returns a changed copy.</summary>
public sealed record SoqlSelect
{
    private SoqlSelect(string sobject) => SObject = sobject;

    public string SObject { get; }
    public ImmutableArray<string> Fields { get; private init; } = [];
    public SoqlCondition? Condition { get; private init; }
    public ImmutableArray<(string Path, SoqlDirection Direction)> Ordering { get; private init; } = [];
    public int? RowLimit { get; private init; }
    public int? RowOffset { get; private init; }

    /// <summary>SELECT COUNT(): Salesforce answers with totalSize only.</summary>
    public bool IsCount { get; private init; }

    internal static SoqlSelect Create(string sobject) => new(sobject);

    public SoqlSelect Select(params string[] fields) => Select((IEnumerable<string>)fields);

    public SoqlSelect Select(IEnumerable<string> fields)
    {
        var all = Fields.ToList();
        foreach (var f in fields)
        {
            Soql.CheckName(f, allowPath: true);
            if (!all.Contains(f, StringComparer.OrdinalIgnoreCase))
            {
                all.Add(f);
            }
        }

        return this with { Fields = [.. all], IsCount = false };
    }

    /// <summary>Sets the condition, or ANDs it to one already set.</summary>
    public SoqlSelect Where(SoqlCondition condition) => And(condition);

    public SoqlSelect And(SoqlCondition condition) =>
        this with { Condition = Condition is null ? condition : Soql.And(Condition, condition) };

    public SoqlSelect Or(SoqlCondition condition) =>
        this with { Condition = Condition is null ? condition : Soql.Or(Condition, condition) };

    public SoqlSelect OrderBy(string field, SoqlDirection direction = SoqlDirection.Ascending) =>
        this with { Ordering = [(Soql.CheckName(field, allowPath: true), direction)] };

    public SoqlSelect OrderByDescending(string field) => OrderBy(field, SoqlDirection.Descending);

    public SoqlSelect ThenBy(string field, SoqlDirection direction = SoqlDirection.Ascending) =>
        Ordering.IsEmpty
            ? throw new InvalidOperationException("ThenBy needs an OrderBy first.")
            : this with { Ordering = Ordering.Add((Soql.CheckName(field, allowPath: true), direction)) };

    public SoqlSelect ThenByDescending(string field) => ThenBy(field, SoqlDirection.Descending);

    public SoqlSelect Limit(int rows) =>
        rows > 0 ? this with { RowLimit = rows } : throw new ArgumentOutOfRangeException(nameof(rows), "LIMIT must be positive.");

    /// <summary>OFFSET (Salesforce caps it at 2,000; page larger sets with a cursor instead).</summary>
    public SoqlSelect Offset(int rows) =>
        rows is >= 0 and <= 2000 ? this with { RowOffset = rows } : throw new ArgumentOutOfRangeException(nameof(rows), "OFFSET must be 0..2000.");

    /// <summary>The same filter as SELECT COUNT() (ordering dropped: SOQL refuses ORDER BY with COUNT()).</summary>
    public SoqlSelect Count() => this with { IsCount = true, Ordering = [] };

    /// <summary>Every field path the statement names (selected, filtered, ordered), for validation against describe.</summary>
    public IEnumerable<string> FieldPaths =>
        Fields.Concat(Condition?.FieldPaths ?? []).Concat(Ordering.Select(o => o.Path)).Distinct(StringComparer.OrdinalIgnoreCase);

    public string ToSoql()
    {
        if (!IsCount && Fields.IsEmpty)
        {
            throw new InvalidOperationException($"SELECT from {SObject} names no fields.");
        }

        var b = new StringBuilder("SELECT ");
        b.Append(IsCount ? "COUNT()" : string.Join(", ", Fields));
        b.Append(" FROM ").Append(SObject);
        if (Condition is not null)
        {
            b.Append(" WHERE ");
            Condition.Render(b);
        }

        if (!Ordering.IsEmpty)
        {
            b.Append(" ORDER BY ").AppendJoin(", ", Ordering.Select(o => o.Direction == SoqlDirection.Descending ? o.Path + " DESC" : o.Path));
        }

        if (RowLimit is { } limit)
        {
            b.Append(" LIMIT ").Append(limit.ToString(CultureInfo.InvariantCulture));
        }

        if (RowOffset is { } offset)
        {
            b.Append(" OFFSET ").Append(offset.ToString(CultureInfo.InvariantCulture));
        }

        return b.ToString();
    }

    public override string ToString() => ToSoql();
}

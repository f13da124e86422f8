using Connector.SalesforceEmulator.Schema;

namespace Connector.SalesforceEmulator.Soql;

/// <summary>
/// A parsed and schema-checked SOQL statement (<see cref="SoqlParser.Parse"/>). Immutable and safe to share
/// across threads; evaluate it with <see cref="SoqlEvaluator"/> inside <c>OrgStore.Read</c>.
/// </summary>
public sealed class SoqlQuery
{
    internal SoqlQuery(string text, SObjectSchema sobject, IReadOnlyList<SoqlColumn> columns, SoqlCondition? where,
        IReadOnlyList<SoqlOrdering> orderBy, int? limit, int? offset)
    {
        Text = text;
        SObject = sobject;
        Columns = columns;
        Where = where;
        OrderBy = orderBy;
        Limit = limit;
        Offset = offset;
    }

    public string Text { get; }

    /// <summary>The FROM object.</summary>
    public SObjectSchema SObject { get; }

    /// <summary>The SELECT list in the order written. Empty for <c>SELECT COUNT()</c>.</summary>
    public IReadOnlyList<SoqlColumn> Columns { get; }

    public SoqlCondition? Where { get; }
    public IReadOnlyList<SoqlOrdering> OrderBy { get; }
    public int? Limit { get; }
    public int? Offset { get; }

    /// <summary><c>SELECT COUNT() FROM …</c>: the result is only totalSize.</summary>
    public bool IsCountOnly => Columns.Count == 0;

    /// <summary>Aggregate functions (COUNT(Id)…) without GROUP BY: one AggregateResult row.</summary>
    public bool IsAggregate => Columns.Count > 0 && Columns[0].Aggregate is not null;

    /// <summary>Every field path the statement reads (SELECT, WHERE, ORDER BY), for callers that track dependencies.</summary>
    public IEnumerable<SoqlFieldPath> ReferencedPaths =>
        Columns.Where(c => c.Path is not null).Select(c => c.Path!)
            .Concat(Where?.Paths ?? [])
            .Concat(OrderBy.Select(o => o.Path));
}

/// <summary>
/// A field reached from the FROM object, possibly through parent relationships (<c>Owner.Name</c>,
/// <c>Account.Owner.Username</c>; at most 5 levels).
/// </summary>
public sealed class SoqlFieldPath
{
    internal SoqlFieldPath(IReadOnlyList<SoqlHop> hops, FieldSchema field, int position)
    {
        Hops = hops;
        Field = field;
        Position = position;
        Name = string.Join('.', hops.Select(h => h.RelationshipName).Append(field.Name));
    }

    /// <summary>The lookups followed from the FROM object, outermost first; empty for a field of the object itself.</summary>
    public IReadOnlyList<SoqlHop> Hops { get; }

    /// <summary>The leaf field. For polymorphic lookups (Owner) it is the field of the first target that has it.</summary>
    public FieldSchema Field { get; }

    /// <summary>Canonical dotted name with schema casing: <c>Owner.Name</c>, <c>Advocate__r.Email__c</c>.</summary>
    public string Name { get; }

    /// <summary>Offset of the path in the statement text.</summary>
    internal int Position { get; }

    public override string ToString() => Name;
}

/// <summary>One parent-relationship step: the lookup field, its relationship name and the object types it can point to.</summary>
public sealed record SoqlHop(FieldSchema LookupField, string RelationshipName, IReadOnlyList<SObjectSchema> Targets);

public enum SoqlAggregate
{
    Count,
}

/// <summary>One SELECT item: a field path, or an aggregate (<c>COUNT(Id)</c>) with its output name (expr0, or its alias).</summary>
public sealed class SoqlColumn
{
    internal SoqlColumn(SoqlFieldPath? path, SoqlAggregate? aggregate, string name)
    {
        Path = path;
        Aggregate = aggregate;
        Name = name;
    }

    /// <summary>The field read; null only for a bare aggregate without a field.</summary>
    public SoqlFieldPath? Path { get; }

    public SoqlAggregate? Aggregate { get; }

    /// <summary>Column name: the canonical path (<c>Owner.Name</c>) for fields, expr0/alias for aggregates (Bulk CSV headers).</summary>
    public string Name { get; }

    /// <summary>The field schema the value is typed by (the leaf field; an int-typed synthetic field for COUNT).</summary>
    public FieldSchema Field => Aggregate is null ? Path!.Field : CountField;

    internal static readonly FieldSchema CountField = new() { Name = "expr0", Label = "expr0", Type = FieldType.Int };
}

public sealed record SoqlOrdering(SoqlFieldPath Path, bool Descending, bool NullsFirst);

public enum SoqlOperator
{
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

/// <summary>A WHERE clause node.</summary>
public abstract class SoqlCondition
{
    private protected SoqlCondition()
    {
    }

    internal abstract IEnumerable<SoqlFieldPath> Paths { get; }
}

public sealed class SoqlAnd(IReadOnlyList<SoqlCondition> operands) : SoqlCondition
{
    public IReadOnlyList<SoqlCondition> Operands { get; } = operands;
    internal override IEnumerable<SoqlFieldPath> Paths => Operands.SelectMany(o => o.Paths);
}

public sealed class SoqlOr(IReadOnlyList<SoqlCondition> operands) : SoqlCondition
{
    public IReadOnlyList<SoqlCondition> Operands { get; } = operands;
    internal override IEnumerable<SoqlFieldPath> Paths => Operands.SelectMany(o => o.Paths);
}

public sealed class SoqlNot(SoqlCondition operand) : SoqlCondition
{
    public SoqlCondition Operand { get; } = operand;
    internal override IEnumerable<SoqlFieldPath> Paths => Operand.Paths;
}

/// <summary><c>field op value</c>; <see cref="Value"/> is typed for the field (null for <c>= null</c>).</summary>
public sealed class SoqlComparison(SoqlFieldPath path, SoqlOperator op, SoqlValue value) : SoqlCondition
{
    public SoqlFieldPath Path { get; } = path;
    public SoqlOperator Operator { get; } = op;
    public SoqlValue Value { get; } = value;
    internal override IEnumerable<SoqlFieldPath> Paths => [Path];
}

public sealed class SoqlIn(SoqlFieldPath path, bool negated, IReadOnlyList<SoqlValue> values) : SoqlCondition
{
    public SoqlFieldPath Path { get; } = path;
    public bool Negated { get; } = negated;
    public IReadOnlyList<SoqlValue> Values { get; } = values;
    internal override IEnumerable<SoqlFieldPath> Paths => [Path];
}

/// <summary><c>field LIKE 'pattern'</c>, case-insensitive, % and _ wildcards, \% and \_ literal.</summary>
public sealed class SoqlLike(SoqlFieldPath path, string pattern) : SoqlCondition
{
    public SoqlFieldPath Path { get; } = path;
    public string Pattern { get; } = pattern;
    internal System.Text.RegularExpressions.Regex Regex { get; } = SoqlLikePattern.ToRegex(pattern);
    internal override IEnumerable<SoqlFieldPath> Paths => [Path];
}

/// <summary>
/// A literal already converted to the compared field's value type (string, bool, decimal, DateOnly,
/// DateTimeOffset, TimeOnly), or a relative date range (TODAY, LAST_N_DAYS:7…) resolved when evaluated.
/// </summary>
public sealed class SoqlValue
{
    internal SoqlValue(object? constant, SoqlDateLiteral? relative = null)
    {
        Constant = constant;
        Relative = relative;
    }

    public object? Constant { get; }
    public SoqlDateLiteral? Relative { get; }
    public bool IsNull => Constant is null && Relative is null;
}

namespace Connector.Salesforce.Bulk;

/// <summary>
/// Where a reader of a Bulk query job's results stands: the locator of the page it is in (null for the first page)
/// and how many of that page's rows it has read. Opaque to Salesforce; stored by callers that resume.
/// </summary>
public readonly record struct BulkResultPosition(string? PageLocator, int RowsRead)
{
    public static BulkResultPosition Start => default;
}

/// <summary>One results row: the page's columns as selected (shared by the page's rows), the values (null for an empty cell), and the position after it.</summary>
public sealed record BulkResultRow(IReadOnlyList<string> Columns, string?[] Values, BulkResultPosition Position);

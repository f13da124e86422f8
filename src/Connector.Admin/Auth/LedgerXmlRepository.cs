using System.Xml.Linq;
using Connector.Ledger;
using Dapper;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Connector.Admin.Auth;

/// <summary>
/// The Data Protection key ring in the ledger database (table data_protection_keys, migration 0006): every replica on
/// one ledger reads and writes the same keys, so the console's sign-in cookies and anti-forgery tokens are valid on any
/// of them. Data Protection calls this synchronously and rarely (at first use, then about once a day, and when it
/// creates a key), so the blocking calls are acceptable here.
/// </summary>
public sealed class LedgerXmlRepository(LedgerDatabase database) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = Open();
        return [.. connection.Query<string>("SELECT xml FROM data_protection_keys ORDER BY id").Select(XElement.Parse)];
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        ArgumentException.ThrowIfNullOrWhiteSpace(friendlyName);
        using var connection = Open();
        // Keys are named key-{guid}: a second store of the same name is the same key, so it is kept once.
        connection.Execute(
            database.Dialect.InsertIgnoringDuplicate("data_protection_keys", "friendly_name", "friendly_name, xml", "@Name, @Xml"),
            new { Name = friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting) });
    }

    private System.Data.Common.DbConnection Open() => database.OpenAsync(CancellationToken.None).GetAwaiter().GetResult();
}

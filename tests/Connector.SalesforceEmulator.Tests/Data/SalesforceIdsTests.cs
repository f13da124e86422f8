using Connector.SalesforceEmulator.Data;

namespace Connector.SalesforceEmulator.Tests.Data;

public sealed class SalesforceIdsTests
{
    [Theory]
    // Real ids from the fixtures: the 3-character suffix is the case checksum of the first 15.
    [InlineData("0015500001QdQWf", "0015500001QdQWfAAN")]
    [InlineData("0035500001H9cak", "0035500001H9cakAAB")]
    [InlineData("001D000000IqhSL", "001D000000IqhSLIAZ")]
    public void Normalize_15CharacterId_AppendsRealChecksum(string id15, string id18)
    {
        Assert.Equal(id18, SalesforceIds.Normalize(id15));
        Assert.Equal(id18, SalesforceIds.Normalize(id18));
    }

    [Theory]
    [InlineData("0015500001QdQWfAAA")]
    [InlineData("not-an-id")]
    [InlineData("")]
    [InlineData(null)]
    public void Normalize_InvalidId_ReturnsNull(string? id) => Assert.Null(SalesforceIds.Normalize(id));

    [Fact]
    public void Create_IsUniqueAndValid()
    {
        var ids = Enumerable.Range(0, 10_000).Select(i => SalesforceIds.Create("00Q", i)).ToList();

        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids, id => Assert.Equal(id, SalesforceIds.Normalize(id[..15])));
        Assert.All(ids, id => Assert.StartsWith("00Q", id, StringComparison.Ordinal));
    }
}

using Connector.Ledger.Applying;
using Connector.Referrals;
using Connector.Salesforce.Query;
using Microsoft.Extensions.DependencyInjection;

namespace Connector.Worker.Sync;

/// <summary>The org's users as routing needs them (active or not): read from Salesforce, kept in the ledger.</summary>
public sealed class SalesReps(SalesforceQueries queries, IServiceProvider services)
{
    public async Task<int> RefreshAsync(CancellationToken cancellationToken)
    {
        var reps = new List<SalesRep>();
        await foreach (var row in queries.QueryAsync(Soql.From("User").Select("Id", "Name", "IsActive"), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            reps.Add(new SalesRep(row.GetProperty("Id").GetString()!, row.GetProperty("IsActive").GetBoolean(),
                row.TryGetProperty("Name", out var name) ? name.GetString() : null));
        }

        await services.GetRequiredService<ReferralLedger>().SaveSalesRepsAsync(reps, cancellationToken).ConfigureAwait(false);
        return reps.Count;
    }
}

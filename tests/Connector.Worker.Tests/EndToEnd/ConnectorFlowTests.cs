using System.Net;
using System.Net.Http.Json;
using Connector.Ledger.Ledger;
using Connector.Ledger.Outbox;

namespace Connector.Worker.Tests.EndToEnd;

/// <summary>The connector's numbered flows (issue 5), end to end against the emulated org, with the real wiring.</summary>
public sealed class ConnectorFlowTests
{
    private sealed record ReferralRowView(string ReferralKey, string State, string Method, string? LoggedById, string? OpportunityId);

    [Fact]
    public async Task A_referral_lead_goes_to_the_advocates_rep_although_the_assignment_rule_picks_another_and_the_verbal_referral_credits_its_rep()
    {
        await using var org = await ConnectorHarness.StartAsync();
        var advocateRep = org.Reps[2];
        var loggingRep = org.Reps[0];
        var advocate = await org.CreateAdvocateAsync(advocateRep);

        var lead = await org.CreateAsync("Lead", new
        {
            FirstName = "Vera", LastName = "Verbal", Company = "Acme", Email = "vera@acme.example",
            Advocate__c = advocate, Referral_Method__c = "Verbal", Logged_By__c = loggingRep,
        }, actAs: loggingRep);
        Assert.NotEqual(advocateRep, org.Field(lead, "OwnerId")); // the org's round-robin rule chose someone else

        await org.UntilAsync(() => Task.FromResult(Equals(org.Field(lead, "OwnerId"), advocateRep)), "the lead routed to the advocate's rep");
        var referral = await org.LedgerAsync((tx, ct) => tx.QueryAsync<ReferralRowView>(
            "SELECT referral_key, state, method, logged_by_id, opportunity_id FROM referrals WHERE lead_id = @Lead", new { Lead = lead }, ct));
        var row = Assert.Single(referral);
        Assert.Equal("Verbal", row.Method);
        Assert.Equal(loggingRep, row.LoggedById);
        var audit = await org.LedgerAsync((tx, ct) => tx.QueryAsync<string>(
            "SELECT reason FROM audit_entries WHERE decision_kind = 'RoutingDecision' AND subject = @Subject", new { Subject = $"Referral:{row.ReferralKey}" }, ct));
        Assert.Contains(audit, reason => reason.Contains(advocateRep, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Routing_is_verified_from_its_own_change_event_and_a_later_override_is_reported()
    {
        await using var org = await ConnectorHarness.StartAsync(new Dictionary<string, string?> { ["Worker:Outbox:VerifyOwners"] = "false" });
        var metrics = org.Get<Connector.Worker.Hosting.ConnectorMetrics>();
        var advocate = await org.CreateAdvocateAsync(org.Reps[4]);
        var lead = await org.CreateAsync("Lead", new { LastName = "Echo", Company = "E", Advocate__c = advocate, Referral_Method__c = "Email" }, actAs: org.Reps[0]);
        await org.UntilAsync(() => Task.FromResult(metrics.Count("routing_verified_total") == 1), "the owner write's change event verifying the route");
        Assert.Equal(org.Reps[4], org.Field(lead, "OwnerId"));

        using var reassign = await org.Simulation.PostAsJsonAsync($"/emulator/records/{lead}/owner", new { ownerId = org.Reps[5], actAs = org.Reps[5] });
        Assert.True(reassign.IsSuccessStatusCode);
        await org.UntilAsync(() => Task.FromResult(metrics.Count("routing_overridden_total") == 1), "the override reported");
        Assert.Equal(org.Reps[5], org.Field(lead, "OwnerId")); // reported, not fought
    }

    [Fact]
    public async Task A_won_deal_earns_the_reward_from_its_revenue_and_a_reversed_win_cancels_what_is_unpaid()
    {
        await using var org = await ConnectorHarness.StartAsync();
        var advocate = await org.CreateAdvocateAsync(org.Reps[1]);
        var lead = await org.CreateAsync("Lead", new { LastName = "Wong", Company = "Bigco", Email = "wong@bigco.example", Advocate__c = advocate, Referral_Method__c = "Email" });
        await org.UntilAsync(async () => (await org.LedgerAsync((tx, ct) => tx.QueryAsync<string>("SELECT state FROM referrals WHERE lead_id = @Lead", new { Lead = lead }, ct))).Count == 1,
            "the referral registered");

        var opportunity = await org.ConvertAsync(lead);
        await org.MoveStageAsync(opportunity, "Closed Won", amount: 10_000m);
        await org.UntilAsync(async () => (await Rewards(org, lead)).Count >= 2, "the won stage and the retention stage recorded");
        var rewards = await Rewards(org, lead);
        Assert.Contains(rewards, r => r.Kind == "Earned" && r.Amount == 250m);      // 25% of 10% of 10,000 on the win
        Assert.Contains(rewards, r => r.Kind == "Scheduled" && r.Amount == 750m);   // the rest after the retention period

        await org.MoveStageAsync(opportunity, "Closed Lost");
        await org.UntilAsync(async () => (await Rewards(org, lead)).Count(r => r.Kind == "Cancelled") == 2, "both unpaid rewards cancelled");
        var state = await org.LedgerAsync((tx, ct) => tx.QueryAsync<string>("SELECT state FROM referrals WHERE lead_id = @Lead", new { Lead = lead }, ct));
        var audit = await org.LedgerAsync((tx, ct) => tx.QueryAsync<string>("SELECT decision_kind || ': ' || reason FROM audit_entries ORDER BY id", null, ct));
        Assert.True("Lost" == Assert.Single(state), string.Join("\n", audit));
    }

    [Fact]
    public async Task The_advocate_profile_is_written_back_to_its_record()
    {
        await using var org = await ConnectorHarness.StartAsync();
        var advocate = await org.CreateAdvocateAsync(org.Reps[0]);
        foreach (var i in Enumerable.Range(1, 3))
        {
            await org.CreateAsync("Lead", new { LastName = $"Prof{i}", Company = "P", Email = $"p{i}@p.example", Advocate__c = advocate, Referral_Method__c = "Social" });
        }

        await org.UntilAsync(() => Task.FromResult(org.Field(advocate, "Total_Referrals__c") is decimal total && total == 3m), "Total_Referrals__c = 3 on the Advocate__c record");
        Assert.Equal(3m, org.Field(advocate, "Open_Referrals__c"));
    }

    [Fact]
    public async Task Profiles_wait_while_a_large_load_goes_without_the_referral_indexes_and_catch_up_after_it()
    {
        await using var org = await ConnectorHarness.StartAsync();
        var advocate = await org.CreateAdvocateAsync(org.Reps[0]);
        var indexes = org.Get<Connector.Ledger.LedgerDatabase>().DeferredIndexes;
        Assert.True(await indexes.DeferAsync(1_000_000, CancellationToken.None));

        var lead = await org.CreateAsync("Lead", new { LastName = "Wait", Company = "W", Email = "wait@w.example", Advocate__c = advocate, Referral_Method__c = "Social" });
        await org.UntilAsync(async () => (await org.LedgerAsync((tx, ct) => tx.QueryAsync<string>("SELECT lead_id FROM referrals", null, ct))).Contains(lead),
            "the referral registered during the load");
        Assert.Equal(0, await org.Get<Profiles.ProfileSync>().RunAsync(CancellationToken.None));
        Assert.Null(org.Field(advocate, "Total_Referrals__c"));

        await indexes.RestoreAsync(CancellationToken.None);
        await org.UntilAsync(() => Task.FromResult(org.Field(advocate, "Total_Referrals__c") is 1m), "Total_Referrals__c = 1 once the load is over");
    }

    [Fact]
    public async Task Profiles_wait_while_a_backfill_moves_and_go_on_once_it_has_stalled()
    {
        await using var org = await ConnectorHarness.StartAsync();
        var advocate = await org.CreateAdvocateAsync(org.Reps[0]);
        // Another instance's backfill of opportunities, half done, its position moved just now.
        var stream = Connector.Worker.Sync.BulkBackfill.StreamOf(Referrals.Processing.ChangeEntity.Opportunity);
        var halfway = new Connector.Worker.Sync.BackfillState("7505g0000000001AAA", DateTimeOffset.UtcNow.AddMinutes(-1), 1_000, 500,
            new Connector.Salesforce.Bulk.BulkResultPosition("500", 0), null, Complete: false);
        await org.Get<Connector.Ledger.Checkpoints.CheckpointStore>().SaveCursorAsync(stream, halfway.Format(), CancellationToken.None);

        var lead = await org.CreateAsync("Lead", new { LastName = "Busy", Company = "B", Email = "busy@b.example", Advocate__c = advocate, Referral_Method__c = "Social" });
        await org.UntilAsync(async () => (await org.LedgerAsync((tx, ct) => tx.QueryAsync<string>("SELECT lead_id FROM referrals", null, ct))).Contains(lead),
            "the referral registered during the backfill");
        Assert.True(await org.Get<Connector.Worker.Sync.BulkBackfill>().UnderWayAsync(CancellationToken.None));
        Assert.Equal(0, await org.Get<Profiles.ProfileSync>().RunAsync(CancellationToken.None));
        Assert.Null(org.Field(advocate, "Total_Referrals__c"));

        // Its instance died: the position has not moved for longer than a batch could take.
        var stalled = DateTimeOffset.UtcNow - Connector.Worker.Sync.BulkBackfill.StalledAfter - TimeSpan.FromMinutes(1);
        await org.LedgerAsync((tx, ct) => tx.QueryAsync<int>(
            "UPDATE stream_checkpoints SET updated_at = @Stalled WHERE stream = @Stream RETURNING 1", new { Stalled = stalled, Stream = stream }, ct));
        Assert.False(await org.Get<Connector.Worker.Sync.BulkBackfill>().UnderWayAsync(CancellationToken.None));
        await org.UntilAsync(() => Task.FromResult(org.Field(advocate, "Total_Referrals__c") is 1m), "Total_Referrals__c = 1 once the backfill has stalled");
    }

    [Fact]
    public async Task A_profile_that_changes_and_changes_back_is_written_back_both_times()
    {
        await using var org = await ConnectorHarness.StartAsync();
        var advocate = await org.CreateAdvocateAsync(org.Reps[0]);
        var lead = await org.CreateAsync("Lead", new { LastName = "Back", Company = "B", Email = "back@b.example", Advocate__c = advocate, Referral_Method__c = "Social" });
        await org.UntilAsync(() => Task.FromResult(org.Field(advocate, "Open_Referrals__c") is 1m), "Open_Referrals__c = 1");

        await org.UpdateAsync(lead, new { Status = "Closed - Not Converted" }, actAs: org.Reps[0]);
        await org.UntilAsync(() => Task.FromResult(org.Field(advocate, "Lost_Referrals__c") is 1m && org.Field(advocate, "Open_Referrals__c") is 0m), "the lost referral on the profile");
        // Reopened: the profile is again exactly what it was first, and must be written again.
        await org.UpdateAsync(lead, new { Status = "Working - Contacted" }, actAs: org.Reps[0]);

        await org.UntilAsync(() => Task.FromResult(org.Field(advocate, "Open_Referrals__c") is 1m && org.Field(advocate, "Lost_Referrals__c") is 0m), "the reopened referral on the profile");
    }

    [Fact]
    public async Task Ticking_a_contact_for_the_program_enrols_it_as_an_advocate_with_a_referral_code()
    {
        await using var org = await ConnectorHarness.StartAsync();
        var contact = await org.CreateAsync("Contact", new { LastName = "Invitee", Email = "invitee@example.com" }, actAs: org.Reps[1]);
        await org.UpdateAsync(contact, new { Invite_To_Referral_Program__c = true }, actAs: org.Reps[1]);

        await org.UntilAsync(async () => (await org.LedgerAsync((tx, ct) => tx.QueryAsync<string>(
            "SELECT advocate_id FROM advocates WHERE contact_id = @Contact", new { Contact = contact }, ct))).Count == 1, "the invited contact enrolled as an advocate");
        var code = await org.LedgerAsync((tx, ct) => tx.QueryAsync<string?>("SELECT referral_code FROM advocates WHERE contact_id = @Contact", new { Contact = contact }, ct));
        Assert.Equal(Connector.Referrals.ReferralCodes.For(contact), Assert.Single(code));
        await org.UntilAsync(() => Task.FromResult(org.Field(contact, "Advocate__c") is string), "the contact linked to its new Advocate__c");
        Assert.Equal(Connector.Referrals.ReferralCodes.For(contact), org.Field((string)org.Field(contact, "Advocate__c")!, "Referral_Code__c"));
    }

    [Fact]
    public async Task Health_readiness_and_metrics_are_served()
    {
        await using var org = await ConnectorHarness.StartAsync();
        using var http = new HttpClient { BaseAddress = org.AppUrl };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);
        var metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("connector_leader 1", metrics, StringComparison.Ordinal);
        Assert.Contains("connector_stream_subscribed{channel=\"/data/LeadChangeEvent\"} 1", metrics, StringComparison.Ordinal);

        // Memory and GC gauges: present, and moving with what the process does.
        Assert.True(Gauge(metrics, "connector_process_resident_memory_bytes") > 0);
        var allocated = Gauge(metrics, "connector_gc_allocated_bytes_total");
        Assert.True(allocated > 0);
        Assert.True(Gauge(metrics, "connector_gc_collections_total{generation=\"2\"}") >= 0);
        Assert.True(Gauge(metrics, "connector_gc_pause_seconds_total") >= 0);
        GC.KeepAlive(new byte[1024 * 1024]);
        Assert.True(Gauge(await http.GetStringAsync("/metrics"), "connector_gc_allocated_bytes_total") >= allocated + 1024 * 1024);
    }

    private static double Gauge(string metrics, string name) =>
        double.Parse(metrics.Split('\n').Single(line => line.StartsWith(name + " ", StringComparison.Ordinal))[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    private sealed class RewardView
    {
        public string Kind { get; init; } = string.Empty;
        public decimal Amount { get; init; }
    }

    private static Task<IReadOnlyList<RewardView>> Rewards(ConnectorHarness org, string lead) => org.LedgerAsync((tx, ct) => tx.QueryAsync<RewardView>(
        "SELECT e.kind, e.amount FROM reward_entries e JOIN referrals r ON r.referral_key = e.referral_key WHERE r.lead_id = @Lead AND e.beneficiary = 'Advocate'",
        new { Lead = lead }, ct));
}

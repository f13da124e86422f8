using System.Text.Json.Nodes;
using Connector.Ledger.Outbox;
using Connector.Salesforce.Http;
using Connector.Salesforce.Query;
using Connector.SalesforceEmulator.Data;
using Connector.Worker.Outbox;
using Microsoft.Extensions.DependencyInjection;

namespace Connector.Worker.Tests.Outbox;

public sealed class OutboxDispatcherTests
{
    private const string Composite = "POST /services/data/v{version}/composite";
    private const string Query = "GET /services/data/v{version}/query";

    /// <summary>
    /// Drops Sforce-Auto-Assign on the way out, from the request and from each Composite subrequest, as a misbehaving
    /// proxy or a broken client would: the org's rule then runs.
    /// </summary>
    private sealed class StripAutoAssign : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Remove("Sforce-Auto-Assign");
            if (request.Content is not null && JsonNode.Parse(await request.Content.ReadAsStringAsync(cancellationToken)) is JsonObject { } body
                && body["compositeRequest"] is JsonArray subrequests)
            {
                foreach (var sub in subrequests.OfType<JsonObject>())
                {
                    sub.Remove("httpHeaders");
                }

                request.Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>For each lead a rep other than the one the round-robin rule gave it.</summary>
    private static Dictionary<string, string> OtherReps(OutboxHarness h, IReadOnlyList<string> leads) =>
        leads.ToDictionary(l => l, l => h.Reps.First(r => r != h.OwnerOf(l)));

    [Fact]
    public async Task DispatchOnce_OwnerChanges_OwnersStickDespiteTheRoundRobinRule()
    {
        await using var h = await OutboxHarness.StartAsync();
        var leads = await h.CreateLeadsAsync(10);
        Assert.True(leads.Select(h.OwnerOf).Distinct().Count() > 1, "the org's round-robin rule should have spread the new leads");
        var targets = OtherReps(h, leads);
        await h.EnqueueAsync(leads.Select(l => OutboxHarness.OwnerChange(l, targets[l])));
        var compositesBefore = h.Calls(Composite);
        var queriesBefore = h.Calls(Query);

        var pass = await h.Dispatcher.DispatchOnceAsync(CancellationToken.None);

        Assert.Equal((10, 10, 0, 2), (pass.Sent, pass.Dispatched, pass.Failed, pass.Calls));
        Assert.All(leads, l => Assert.Equal(targets[l], h.OwnerOf(l)));
        Assert.Equal((1, 1), (h.Calls(Composite) - compositesBefore, h.Calls(Query) - queriesBefore));
        Assert.All(await h.RowsAsync(), r => Assert.Equal((true, 1, (string?)null), (r.Dispatched, r.Attempts, r.LastError)));
        Assert.Equal(0, (await h.Dispatcher.DispatchOnceAsync(CancellationToken.None)).Sent);
    }

    [Fact]
    public async Task DispatchOnce_SameOwnerChangeAgain_IsHarmless()
    {
        await using var h = await OutboxHarness.StartAsync();
        var leads = await h.CreateLeadsAsync(3);
        var targets = OtherReps(h, leads);
        await h.EnqueueAsync(leads.Select(l => OutboxHarness.OwnerChange(l, targets[l])));
        await h.DrainAsync();

        await h.EnqueueAsync(leads.Select(l => OutboxHarness.OwnerChange(l, targets[l])));
        var again = await h.DrainAsync();

        Assert.Equal((3, 0), (again.Dispatched, again.Failed));
        Assert.All(leads, l => Assert.Equal(targets[l], h.OwnerOf(l)));
        Assert.All(await h.RowsAsync(), r => Assert.True(r.Dispatched));
    }

    [Fact]
    public async Task Drain_1000OwnerChanges_OneCompositeCallAndFiveVerificationQueries()
    {
        await using var h = await OutboxHarness.StartAsync();
        var leads = await h.CreateLeadsAsync(1000);
        var targets = OtherReps(h, leads);
        await h.EnqueueAsync(leads.Select(l => OutboxHarness.OwnerChange(l, targets[l])));
        var usedBefore = h.Usage.Used;
        var compositesBefore = h.Calls(Composite);
        var queriesBefore = h.Calls(Query);

        var total = await h.DrainAsync();

        Assert.Equal((1000, 0, 6), total);
        Assert.Equal((1, 5), (h.Calls(Composite) - compositesBefore, h.Calls(Query) - queriesBefore));
        Assert.Equal(6, h.Usage.Used - usedBefore);
        Assert.All(leads, l => Assert.Equal(targets[l], h.OwnerOf(l)));
        Assert.Equal(1000, (await h.RowsAsync()).Count(r => r.Dispatched));
    }

    [Fact]
    public async Task DispatchOnce_InvalidOwnerId_FailsThatMessageOnlyAndRetriesUntilMaxAttempts()
    {
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var h = await OutboxHarness.StartAsync(new Dictionary<string, string?>
        {
            ["Worker:Outbox:MaxAttempts"] = "2",
            ["Worker:Outbox:RetryBaseDelay"] = "00:00:10",
        }, clock);
        var leads = await h.CreateLeadsAsync(5);
        var targets = OtherReps(h, leads);
        var noSuchUser = SalesforceIds.Create("005", 987_654);
        var originalOwner = h.OwnerOf(leads[2]);
        targets[leads[2]] = noSuchUser;
        await h.EnqueueAsync(leads.Select(l => OutboxHarness.OwnerChange(l, targets[l])));

        var first = await h.Dispatcher.DispatchOnceAsync(CancellationToken.None);

        Assert.Equal((5, 4, 1), (first.Sent, first.Dispatched, first.Failed));
        var failed = Assert.Single(await h.RowsAsync(), r => !r.Dispatched);
        Assert.Equal((leads[2], 1), (failed.TargetId, failed.Attempts));
        Assert.StartsWith("INVALID_CROSS_REFERENCE_KEY: ", failed.LastError, StringComparison.Ordinal);
        Assert.Equal(originalOwner, h.OwnerOf(leads[2]));
        Assert.All(leads.Where(l => l != leads[2]), l => Assert.Equal(targets[l], h.OwnerOf(l)));

        // Inside its backoff the message waits; after it, it is tried once more and then left for an operator.
        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(0, (await h.Dispatcher.DispatchOnceAsync(CancellationToken.None)).Sent);
        clock.Advance(TimeSpan.FromSeconds(1));
        var second = await h.Dispatcher.DispatchOnceAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromHours(1));
        var third = await h.Dispatcher.DispatchOnceAsync(CancellationToken.None);

        Assert.Equal((1, 1, 0), (second.Sent, second.Failed, third.Sent));
        var kept = Assert.Single(await h.RowsAsync(), r => !r.Dispatched);
        Assert.Equal(2, kept.Attempts);
        Assert.StartsWith("INVALID_CROSS_REFERENCE_KEY: ", kept.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DispatchOnce_BudgetAtReserve_DefersWithoutChargingAttemptsThenDispatches()
    {
        await using var h = await OutboxHarness.StartAsync(
            new Dictionary<string, string?>
            {
                ["Salesforce:Budget:MaxWait"] = "00:00:00.200",
                ["Salesforce:Budget:RecheckInterval"] = "00:00:00.050",
                ["Salesforce:Budget:RecheckMaxInterval"] = "00:00:00.050",
                ["Worker:Outbox:TransientRetryDelay"] = "00:00:01",
            },
            emulatorSettings: new Dictionary<string, string?> { ["Emulator:DailyApiRequests"] = "1000" });
        var leads = await h.CreateLeadsAsync(10);
        var owners = leads.ToDictionary(l => l, h.OwnerOf);
        var targets = OtherReps(h, leads);
        await h.EnqueueAsync(leads.Select(l => OutboxHarness.OwnerChange(l, targets[l])));
        h.Usage.Preload(800);
        // One call so the client's budget governor hears (Sforce-Limit-Info) that the reserve is reached.
        await h.Get<SalesforceQueries>().CountAsync(Soql.From("Lead"), new QueryOptions { Priority = CallPriority.Critical });
        var compositesBefore = h.Calls(Composite);

        var deferred = await h.Dispatcher.DispatchOnceAsync(CancellationToken.None);
        var paused = await h.Dispatcher.DispatchOnceAsync(CancellationToken.None);

        Assert.Equal((true, 0, 0), (deferred.Deferred, deferred.Dispatched, deferred.Failed));
        Assert.Equal((true, 0), (paused.Deferred, paused.Calls));
        Assert.Equal(compositesBefore, h.Calls(Composite));
        Assert.All(await h.RowsAsync(), r => Assert.Equal((false, 0, (string?)null), (r.Dispatched, r.Attempts, r.LastError)));
        Assert.All(leads, l => Assert.Equal(owners[l], h.OwnerOf(l)));

        h.Usage.Reset();
        var dispatched = 0;
        await Wait.UntilAsync(() =>
        {
            dispatched += h.Dispatcher.DispatchOnceAsync(CancellationToken.None).GetAwaiter().GetResult().Dispatched;
            return dispatched == 10;
        }, "the deferred owner changes to go out once the budget recovered", TimeSpan.FromSeconds(10));
        Assert.All(leads, l => Assert.Equal(targets[l], h.OwnerOf(l)));
        Assert.All(await h.RowsAsync(), r => Assert.Equal((true, 1, (string?)null), (r.Dispatched, r.Attempts, r.LastError)));
    }

    [Fact]
    public async Task DispatchOnce_PartialBatch_HeldUntilTheOldestHasLingered()
    {
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var h = await OutboxHarness.StartAsync(new Dictionary<string, string?> { ["Worker:Outbox:Linger"] = "00:00:00.250" }, clock);
        var leads = await h.CreateLeadsAsync(3);
        var targets = OtherReps(h, leads);
        await h.EnqueueAsync(leads.Take(2).Select(l => OutboxHarness.OwnerChange(l, targets[l])));
        clock.Advance(TimeSpan.FromMilliseconds(200));
        await h.EnqueueAsync([OutboxHarness.OwnerChange(leads[2], targets[leads[2]])]);
        var before = h.Calls(Composite);

        clock.Advance(TimeSpan.FromMilliseconds(49));
        var held = await h.Dispatcher.DispatchOnceAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        var flushed = await h.Dispatcher.DispatchOnceAsync(CancellationToken.None);

        Assert.Equal((0, 3, 0), (held.Sent, held.Held, held.Calls));
        Assert.InRange(held.NextCheck, TimeSpan.FromTicks(1), TimeSpan.FromMilliseconds(1)); // the ledger stores times to the microsecond
        Assert.Equal((3, 3), (flushed.Sent, flushed.Dispatched));
        Assert.Equal(before + 1, h.Calls(Composite));
    }

    [Fact]
    public async Task RunAsync_FullBatch_FlushesAtOnceAndTheRestAfterLinger()
    {
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var h = await OutboxHarness.StartAsync(new Dictionary<string, string?>
        {
            ["Worker:Outbox:BatchSize"] = "200",
            ["Worker:Outbox:Linger"] = "00:01:00",
            ["Worker:Outbox:BackgroundLinger"] = "00:01:00",
            ["Worker:Outbox:PollInterval"] = "00:00:00.050",
        }, clock);
        var leads = await h.CreateLeadsAsync(201);
        var targets = OtherReps(h, leads);
        await h.EnqueueAsync(leads.Select(l => OutboxHarness.OwnerChange(l, targets[l])));
        using var stop = new CancellationTokenSource();
        var run = h.Dispatcher.RunAsync(stop.Token);

        await Wait.UntilAsync(() => h.RowsAsync().GetAwaiter().GetResult().Count(r => r.Dispatched) == 200, "the full batch to go out");
        // The loop keeps polling; the 201st must still be waiting out its linger on the (stopped) clock.
        await Wait.UntilAsync(() => h.Calls(Query) > 0, "the verification query");
        var afterFull = await h.RowsAsync();
        clock.Advance(TimeSpan.FromMinutes(1));
        h.Dispatcher.Notify();
        await Wait.UntilAsync(() => h.RowsAsync().GetAwaiter().GetResult().All(r => r.Dispatched), "the last message after its linger");
        await stop.CancelAsync();
        await run;

        Assert.Equal(leads[200], Assert.Single(afterFull, r => !r.Dispatched).TargetId);
        Assert.Equal(targets[leads[200]], h.OwnerOf(leads[200]));
    }

    [Fact]
    public async Task DispatchOnce_AutoAssignHeaderLost_RecordsTheOverriddenOwner()
    {
        await using var h = await OutboxHarness.StartAsync(configure: s => s.AddHttpClient<SalesforceHttp>().AddHttpMessageHandler(() => new StripAutoAssign()));
        var leads = await h.CreateLeadsAsync(4);
        var queueId = h.Emulator.Get<Connector.SalesforceEmulator.Seeding.OrgBootstrap>().LeadQueueId;
        await h.EnqueueAsync(leads.Select(l => OutboxHarness.OwnerChange(l, queueId)));

        var pass = await h.Dispatcher.DispatchOnceAsync(CancellationToken.None);

        Assert.Equal((4, 0, 4, 4, 2), (pass.Sent, pass.Dispatched, pass.Failed, pass.Overridden, pass.Calls));
        Assert.All(leads, l => Assert.NotEqual(queueId, h.OwnerOf(l)));
        Assert.All(await h.RowsAsync(), r =>
        {
            Assert.Equal((false, 1), (r.Dispatched, r.Attempts));
            Assert.StartsWith(OutboxFailures.OwnerOverridden + ": owner is " + h.OwnerOf(r.TargetId), r.LastError, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task DispatchOnce_SameLeadTwiceInABatch_SendsTheNewestOwnerOnce()
    {
        await using var h = await OutboxHarness.StartAsync();
        var lead = (await h.CreateLeadsAsync(1))[0];
        var others = h.Reps.Where(r => r != h.OwnerOf(lead)).ToList();
        await h.EnqueueAsync([OutboxHarness.OwnerChange(lead, others[0]), OutboxHarness.OwnerChange(lead, others[1])]);

        var pass = await h.Dispatcher.DispatchOnceAsync(CancellationToken.None);

        Assert.Equal((2, 2, 0, 2), (pass.Sent, pass.Dispatched, pass.Failed, pass.Calls));
        Assert.Equal(others[1], h.OwnerOf(lead));
    }

    [Fact]
    public async Task DispatchOnce_ProfileUpserts_CreateThenUpdateAdvocatesByExternalKey()
    {
        await using var h = await OutboxHarness.StartAsync();
        await h.EnqueueAsync([
            OutboxHarness.Profile("adv-1", """{"Name":"Ada","Status__c":"Active","Total_Referrals__c":3}"""),
            OutboxHarness.Profile("adv-2", """{"Name":"Bo","Status__c":"Invited","Total_Referrals__c":0}"""),
        ]);
        var created = await h.Dispatcher.DispatchOnceAsync(CancellationToken.None);
        await h.EnqueueAsync([OutboxHarness.Profile("adv-1", """{"Name":"Ada","Status__c":"Active","Total_Referrals__c":4}""")]);

        var updated = await h.Dispatcher.DispatchOnceAsync(CancellationToken.None);

        Assert.Equal((1, 1), (created.Calls, updated.Calls)); // upserts are not verified: the answer says it all
        Assert.Equal((2, 1), (created.Dispatched, updated.Dispatched));
        var advocates = h.Emulator.Store.Read(r => r.All("Advocate__c").Select(a => (Key: a.GetString("External_Key__c"), Total: a.Get("Total_Referrals__c"))).ToList());
        Assert.Equal([("adv-1", (object?)4m), ("adv-2", 0m)], advocates.OrderBy(a => a.Key).Select(a => (a.Key, a.Total)));
    }

    [Fact]
    public async Task DispatchOnce_BadPayloadsAndAFieldTheOrgLacks_FailOnlyThoseMessages()
    {
        await using var h = await OutboxHarness.StartAsync();
        var leads = await h.CreateLeadsAsync(1);
        var target = OtherReps(h, leads)[leads[0]];
        await h.EnqueueAsync([
            OutboxHarness.OwnerChange(leads[0], target),
            OutboxHarness.Profile("adv-ok", """{"Name":"Ok"}"""),
            OutboxHarness.Profile("adv-bad", """{"Name":"Bad","No_Such_Field__c":1}"""),
            OutboxHarness.Profile("adv-json", "[1,2]"),
            new() { Kind = "Mystery", TargetSObject = "Lead", TargetId = leads[0], Payload = "{}", IdempotencyKey = "mystery" },
        ]);

        var pass = await h.Dispatcher.DispatchOnceAsync(CancellationToken.None);

        Assert.Equal((5, 2, 3), (pass.Sent, pass.Dispatched, pass.Failed));
        var rows = (await h.RowsAsync()).ToDictionary(r => r.TargetId + (r.Dispatched ? "" : "!" + r.LastError?.Split(':')[0]));
        Assert.Contains(leads[0], rows.Keys);
        Assert.Contains("adv-ok", rows.Keys);
        Assert.Contains("adv-json!" + OutboxPayloads.InvalidPayload, rows.Keys);
        Assert.Contains(leads[0] + "!" + OutboxPayloads.UnknownKind, rows.Keys);
        Assert.Single(rows.Keys, k => k.StartsWith("adv-bad!", StringComparison.Ordinal) && k != "adv-bad!" + OutboxPayloads.InvalidPayload);
        Assert.Equal(target, h.OwnerOf(leads[0]));
    }

    [Fact]
    public async Task DispatchOnce_OwnerChangesAndProfileWrites_OneCompositeCall_EveryOwnerWriteSaysAutoAssignFalse()
    {
        await using var h = await OutboxHarness.StartAsync(new Dictionary<string, string?> { ["Worker:Outbox:VerifyOwners"] = "false" });
        var leads = await h.CreateLeadsAsync(450);
        var targets = OtherReps(h, leads);
        await h.EnqueueAsync(leads.Select(l => OutboxHarness.OwnerChange(l, targets[l])));
        await h.EnqueueAsync(Enumerable.Range(0, 150).Select(i => OutboxHarness.Profile("adv-" + i, $$"""{"Name":"Advocate {{i}}","Total_Referrals__c":{{i}}}""")));
        var usedBefore = h.Usage.Used;

        var pass = await h.Dispatcher.DispatchOnceAsync(CancellationToken.None);

        Assert.Equal((600, 600, 0, 1), (pass.Sent, pass.Dispatched, pass.Failed, pass.Calls));
        Assert.Equal(1, h.Usage.Used - usedBefore);
        // The org's round-robin rule reassigns any lead updated without Sforce-Auto-Assign: FALSE; none was.
        Assert.All(leads, l => Assert.Equal(targets[l], h.OwnerOf(l)));
        Assert.Equal(150, h.Emulator.Store.Read(r => r.All("Advocate__c").Count(a => a.GetString("External_Key__c")?.StartsWith("adv-", StringComparison.Ordinal) == true)));
    }

    [Fact]
    public async Task DispatchOnce_MoreThanOneCallCanCarry_FlushesAFullCallThenTheRest()
    {
        await using var h = await OutboxHarness.StartAsync(new Dictionary<string, string?> { ["Worker:Outbox:VerifyOwners"] = "false" });
        var leads = await h.CreateLeadsAsync(1000);
        var targets = OtherReps(h, leads);
        await h.EnqueueAsync(leads.Select(l => OutboxHarness.OwnerChange(l, targets[l])));
        await h.EnqueueAsync([OutboxHarness.Profile("adv-late", """{"Name":"Late"}""")]);
        var compositesBefore = h.Calls(Composite);

        var first = await h.Dispatcher.DispatchOnceAsync(CancellationToken.None);
        var second = await h.Dispatcher.DispatchOnceAsync(CancellationToken.None);

        // 1,000 owner changes fill the five collection subrequests one call may carry; the profile waits for the next.
        Assert.Equal((1000, 1000, 1), (first.Sent, first.Dispatched, first.Calls));
        Assert.Equal((1, 1, 1), (second.Sent, second.Dispatched, second.Calls));
        Assert.Equal(2, h.Calls(Composite) - compositesBefore);
        Assert.All(leads, l => Assert.Equal(targets[l], h.OwnerOf(l)));
    }

    [Fact]
    public async Task DispatchOnce_SubrequestRefusedWhole_FailsOnlyItsRecordsAndRetriesThem()
    {
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var h = await OutboxHarness.StartAsync(new Dictionary<string, string?>
        {
            ["Worker:Outbox:VerifyOwners"] = "false",
            ["Worker:Outbox:RetryBaseDelay"] = "00:00:10",
        }, clock);
        var leads = await h.CreateLeadsAsync(3);
        var targets = OtherReps(h, leads);
        await h.EnqueueAsync(leads.Select(l => OutboxHarness.OwnerChange(l, targets[l])));
        await h.EnqueueAsync(new[] { "a", "b" }.Select(k => OutboxHarness.Profile("missing-" + k, """{"Name":"Nowhere"}""") with { TargetSObject = "No_Such_Object__c" }));

        var pass = await h.Dispatcher.DispatchOnceAsync(CancellationToken.None);

        // The upsert to an object the org lacks is refused as a whole: halved until each record stands alone (one more call).
        Assert.Equal((5, 3, 2, 2), (pass.Sent, pass.Dispatched, pass.Failed, pass.Calls));
        Assert.All(leads, l => Assert.Equal(targets[l], h.OwnerOf(l)));
        var failed = (await h.RowsAsync()).Where(r => !r.Dispatched).ToList();
        Assert.Equal(["missing-a", "missing-b"], failed.Select(r => r.TargetId));
        Assert.All(failed, r => Assert.Equal(1, r.Attempts));
        Assert.All(failed, r => Assert.DoesNotContain("PROCESSING_HALTED", r.LastError, StringComparison.Ordinal));

        clock.Advance(TimeSpan.FromSeconds(10));
        var retry = await h.Dispatcher.DispatchOnceAsync(CancellationToken.None);

        Assert.Equal((2, 0, 2), (retry.Sent, retry.Dispatched, retry.Failed));
        Assert.All(await h.RowsAsync(), r => Assert.Equal(r.TargetId.StartsWith("missing-", StringComparison.Ordinal) ? 2 : 1, r.Attempts));
    }

    [Fact]
    public async Task DispatchOnce_ArrivalsStop_FlushesAfterTheQuietPeriodNotTheFullLinger()
    {
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var h = await OutboxHarness.StartAsync(new Dictionary<string, string?>
        {
            ["Worker:Outbox:Linger"] = "00:00:01",
            ["Worker:Outbox:QuietPeriod"] = "00:00:00.300",
        }, clock);
        var leads = await h.CreateLeadsAsync(7);
        var targets = OtherReps(h, leads);

        // A steady stream (one every 200 ms) keeps the batch open until the oldest has waited the whole linger...
        for (var i = 0; i < 5; i++)
        {
            await h.EnqueueAsync([OutboxHarness.OwnerChange(leads[i], targets[leads[i]])]);
            Assert.Equal(0, (await h.Dispatcher.DispatchOnceAsync(CancellationToken.None)).Sent);
            clock.Advance(TimeSpan.FromMilliseconds(200));
        }

        var steady = await h.Dispatcher.DispatchOnceAsync(CancellationToken.None);

        // ...while a trickle that stops goes out once nothing new came for the quiet period.
        await h.EnqueueAsync([OutboxHarness.OwnerChange(leads[5], targets[leads[5]])]);
        clock.Advance(TimeSpan.FromMilliseconds(100));
        await h.EnqueueAsync([OutboxHarness.OwnerChange(leads[6], targets[leads[6]])]);
        clock.Advance(TimeSpan.FromMilliseconds(299));
        var held = await h.Dispatcher.DispatchOnceAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        var quiet = await h.Dispatcher.DispatchOnceAsync(CancellationToken.None);

        Assert.Equal((5, 5), (steady.Sent, steady.Dispatched));
        Assert.Equal((0, 2), (held.Sent, held.Held));
        Assert.InRange(held.NextCheck, TimeSpan.FromTicks(1), TimeSpan.FromMilliseconds(1));
        Assert.Equal((2, 2), (quiet.Sent, quiet.Dispatched));
        Assert.All(leads, l => Assert.Equal(targets[l], h.OwnerOf(l)));
    }

    [Fact]
    public async Task DispatchOnce_ProfileWrites_RideWithOwnerChangesOrGoAfterTheBackgroundLinger()
    {
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var h = await OutboxHarness.StartAsync(new Dictionary<string, string?>
        {
            ["Worker:Outbox:Linger"] = "00:00:01",
            ["Worker:Outbox:QuietPeriod"] = "00:00:00.400",
            ["Worker:Outbox:BackgroundLinger"] = "00:00:03",
            ["Worker:Outbox:VerifyOwners"] = "false",
        }, clock);
        var leads = await h.CreateLeadsAsync(1);
        var target = OtherReps(h, leads)[leads[0]];
        var compositesBefore = h.Calls(Composite);

        await h.EnqueueAsync([OutboxHarness.Profile("adv-ride", """{"Name":"Rides along"}""")]);
        clock.Advance(TimeSpan.FromSeconds(1));
        var profileAlone = await h.Dispatcher.DispatchOnceAsync(CancellationToken.None);
        await h.EnqueueAsync([OutboxHarness.OwnerChange(leads[0], target)]);
        clock.Advance(TimeSpan.FromMilliseconds(400));
        var together = await h.Dispatcher.DispatchOnceAsync(CancellationToken.None);

        await h.EnqueueAsync([OutboxHarness.Profile("adv-alone", """{"Name":"Goes alone"}""")]);
        clock.Advance(TimeSpan.FromMilliseconds(2999));
        var waiting = await h.Dispatcher.DispatchOnceAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        var alone = await h.Dispatcher.DispatchOnceAsync(CancellationToken.None);

        Assert.Equal((0, 1), (profileAlone.Sent, profileAlone.Held));
        Assert.Equal((2, 2, 1), (together.Sent, together.Dispatched, together.Calls));
        Assert.Equal((0, 1), (waiting.Sent, waiting.Held));
        Assert.Equal((1, 1, 1), (alone.Sent, alone.Dispatched, alone.Calls));
        Assert.Equal(2, h.Calls(Composite) - compositesBefore);
        Assert.Equal(target, h.OwnerOf(leads[0]));
    }
}

using Connector.Salesforce.Auth;
using Connector.Salesforce.Streaming;
using Connector.Salesforce.Tests.Support;
using Connector.SalesforceEmulator.Auth;
using Connector.SalesforceEmulator.Faults;

namespace Connector.Salesforce.Tests.Streaming;

public sealed class StreamingClientTests
{
    private const string LeadChannel = StreamingKit.LeadChannel;

    [Fact]
    public async Task RunAsync_LeadsInserted_DeliversCreateEventsAndCheckpointsEach()
    {
        await using var kit = await StreamingKit.StartAsync();
        var (client, recorder, subscription) = await kit.RecordLeadsAsync();

        var leads = new[] { kit.InsertLead("Hopper"), kit.InsertLead("Lovelace"), kit.InsertLead("Turing") };
        await recorder.WaitForCreatedAsync(leads.Select(l => l.Id).ToArray());

        Assert.True(client.ReplaySupported);
        Assert.NotNull(client.ClientId);
        var events = recorder.Events;
        Assert.Equal(leads.Select(l => l.Id), recorder.CreatedIds);
        Assert.All(events, e =>
        {
            Assert.Equal(LeadChannel, e.Channel);
            Assert.Equal("Lead", e.ChangeEventHeader!.EntityName);
            Assert.Equal("com/salesforce/api/rest/62.0;client=streaming-tests", e.ChangeEventHeader.ChangeOrigin);
            Assert.Equal("Streaming Tests", e.Payload.GetProperty("Company").GetString());
        });
        var replayIds = events.Select(e => e.ReplayId!.Value).ToList();
        Assert.Equal(replayIds.Order(), replayIds);
        await kit.AssertCheckpointAsync(LeadChannel, replayIds[^1]);
    }

    [Fact]
    public async Task Handler_Throws_CheckpointNotAdvancedAndResubscribingRedeliversTheFailedEvent()
    {
        await using var kit = await StreamingKit.StartAsync();
        var client = kit.NewClient();
        var first = new Recorder();
        var subscription = await client.SubscribeAsync(LeadChannel, first.Handler, CancellationToken.None);
        kit.Run(client);
        await subscription.Active.WaitAsync(StreamingKit.Patience);

        var ok = kit.InsertLead("Ok");
        await first.WaitForCreatedAsync(ok.Id);
        var checkpoint = first.Events.Single().ReplayId;
        // Armed before the insert (the event may arrive before InsertLead returns its id): the lead named "Bad" fails.
        first.FailWhen = m => m is StreamingEvent e && e.Payload.GetRawText().Contains("\"Bad\"", StringComparison.Ordinal);
        var bad = kit.InsertLead("Bad");
        var after = kit.InsertLead("After");

        var failure = await Assert.ThrowsAsync<StreamingHandlerException>(() => subscription.Completion.WaitAsync(StreamingKit.Patience));
        Assert.Equal(LeadChannel, failure.Channel);
        Assert.IsType<InvalidOperationException>(failure.InnerException);
        var faulted = await client.WaitForSignalAsync<SubscriptionFaulted>();
        Assert.Equal(failure.ReplayId, faulted.ReplayId);
        await kit.AssertCheckpointAsync(LeadChannel, checkpoint);
        Assert.Equal([ok.Id], first.CreatedIds);

        // "Restart" the subscription: it resumes from the checkpoint, so the failed event comes again, once.
        var second = new Recorder();
        await client.SubscribeAsync(LeadChannel, second.Handler, CancellationToken.None);
        var sentinel = kit.InsertLead("Sentinel");
        await second.WaitForCreatedAsync(sentinel.Id);
        Assert.Equal([bad.Id, after.Id, sentinel.Id], second.CreatedIds);
        Assert.Equal(failure.ReplayId, second.Events[0].ReplayId);
    }

    [Fact]
    public async Task RunAsync_RestartedFromStoredCheckpoint_ResumesWithoutLossOrDuplicates()
    {
        await using var kit = await StreamingKit.StartAsync();
        var before = new Recorder();
        var firstClient = kit.NewClient();
        var subscription = await firstClient.SubscribeAsync(LeadChannel, before.Handler, CancellationToken.None);
        kit.Run(firstClient);
        await subscription.Active.WaitAsync(StreamingKit.Patience);
        var handled = new[] { kit.InsertLead("One").Id, kit.InsertLead("Two").Id };
        await before.WaitForCreatedAsync(handled);
        await kit.StopAsync(firstClient);

        // Published while nobody listened.
        var missed = new[] { kit.InsertLead("Three").Id, kit.InsertLead("Four").Id };

        var after = new Recorder();
        var secondClient = kit.NewClient();
        await secondClient.SubscribeAsync(LeadChannel, after.Handler, CancellationToken.None);
        kit.Run(secondClient);
        var sentinel = kit.InsertLead("Sentinel").Id;
        await after.WaitForCreatedAsync(sentinel);

        Assert.Equal(handled, before.CreatedIds);
        Assert.Equal([.. missed, sentinel], after.CreatedIds);
    }

    [Fact]
    public async Task UnknownClient_ServerForgotTheSession_RehandshakesAndLosesNothing()
    {
        await using var kit = await StreamingKit.StartAsync();
        var (client, recorder, subscription) = await kit.RecordLeadsAsync();
        var first = kit.InsertLead("Before").Id;
        await recorder.WaitForCreatedAsync(first);
        var oldClientId = client.ClientId;

        await kit.PostAsync("/emulator/streaming/forget-clients", new { });
        var during = new[] { kit.InsertLead("During1").Id, kit.InsertLead("During2").Id };

        await client.WaitForSignalAsync<Rehandshaking>(r => r.Reason == RehandshakeReason.UnknownClient);
        var sentinel = kit.InsertLead("Sentinel").Id;
        await recorder.WaitForCreatedAsync(sentinel);
        Assert.Equal([first, .. during, sentinel], recorder.CreatedIds);
        Assert.NotEqual(oldClientId, client.ClientId);
        Assert.True(client.Handshakes >= 2);
    }

    [Fact]
    public async Task DroppedConnections_BackOffAndDeliverEveryEventExactlyOnce()
    {
        await using var kit = await StreamingKit.StartAsync();
        var (client, recorder, subscription) = await kit.RecordLeadsAsync();
        var first = kit.InsertLead("First").Id;
        await recorder.WaitForCreatedAsync(first);

        var faults = kit.Harness.Emulator.Get<FaultInjector>();
        faults.Configure(new FaultSettings { DropStreamingConnectionRate = 0.6 });
        var ids = new List<string> { first };
        for (var i = 0; i < 10; i++)
        {
            ids.Add(kit.InsertLead($"Storm{i}").Id);
            await recorder.WaitForCreatedAsync(ids[^1]);
        }

        faults.Configure(new FaultSettings());
        var sentinel = kit.InsertLead("Sentinel").Id;
        await recorder.WaitForCreatedAsync(sentinel);

        Assert.True(faults.Counters["droppedStreamingConnections"] > 0);
        var failed = await client.WaitForSignalAsync<ConnectionFailed>(timeout: TimeSpan.FromSeconds(1));
        Assert.True(failed.RetryIn > TimeSpan.Zero);
        Assert.Equal([.. ids, sentinel], recorder.CreatedIds);
    }

    [Fact]
    public async Task ExpiredReplayId_SignalsReplayIdInvalidThenResubscribesFromRetainedEvents()
    {
        // One clock for the org and the client (JWT assertions are checked against the org's clock).
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var kit = await StreamingKit.StartAsync(new Dictionary<string, string?> { ["Emulator:TokenLifetime"] = "30.00:00:00" }, time: time);
        var firstClient = kit.NewClient();
        var before = new Recorder();
        var subscription = await firstClient.SubscribeAsync(LeadChannel, before.Handler, CancellationToken.None);
        kit.Run(firstClient);
        await subscription.Active.WaitAsync(StreamingKit.Patience);
        var handled = kit.InsertLead("Handled").Id;
        await before.WaitForCreatedAsync(handled);
        await kit.StopAsync(firstClient);
        var stored = await kit.Checkpoints.GetAsync(LeadChannel, CancellationToken.None);

        // The next event is published, never consumed, and ages out of the 72 h CDC retention.
        kit.InsertLead("Expired");
        time.Advance(TimeSpan.FromHours(73));
        var retained = kit.InsertLead("Retained").Id;

        var after = new Recorder();
        var secondClient = kit.NewClient();
        await secondClient.SubscribeAsync(LeadChannel, after.Handler, CancellationToken.None);
        kit.Run(secondClient);
        await after.WaitForCreatedAsync(retained);

        var messages = after.Messages;
        var invalid = Assert.IsType<ReplayIdInvalid>(messages[0]);
        Assert.Equal(new ReplayIdInvalid(LeadChannel, stored!.Value, -2), invalid);
        Assert.Equal([retained], after.CreatedIds);
        await kit.AssertCheckpointAsync(LeadChannel, after.Events[^1].ReplayId);
    }

    [Fact]
    public async Task GapAndOverflowEvents_AreDeliveredAsTypedSignalsAndCheckpointed()
    {
        await using var kit = await StreamingKit.StartAsync();
        var (client, recorder, subscription) = await kit.RecordLeadsAsync();
        var a = kit.InsertLead("GapA").Id;
        var b = kit.InsertLead("GapB").Id;
        await recorder.WaitForCreatedAsync(a, b);

        await kit.PostAsync("/emulator/streaming/gap", new { entity = "Lead", recordIds = new[] { a, b }, changeType = "GAP_UPDATE" });
        await kit.PostAsync("/emulator/streaming/overflow", new { entity = "Lead" });
        await recorder.WaitForAsync(m => m.OfType<Overflow>().Any(), "the overflow signal");

        var gap = Assert.Single(recorder.Messages.OfType<GapDetected>());
        Assert.Equal("Lead", gap.Entity);
        Assert.Equal([a, b], gap.RecordIds);
        Assert.Equal("GAP_UPDATE", gap.ChangeType);
        Assert.Equal(LeadChannel, gap.Channel);
        var overflow = Assert.Single(recorder.Messages.OfType<Overflow>());
        Assert.Equal("Lead", overflow.Entity);
        Assert.Empty(overflow.Event.ChangeEventHeader!.RecordIds);
        Assert.True(overflow.Event.ReplayId > gap.Event.ReplayId);
        Assert.IsType<Overflow>(recorder.Messages[^1]);
        await kit.AssertCheckpointAsync(LeadChannel, overflow.Event.ReplayId);
    }

    [Fact]
    public async Task ExpiredSession_ConnectRefused_RenewsTokenRehandshakesAndContinues()
    {
        await using var kit = await StreamingKit.StartAsync();
        var (client, recorder, subscription) = await kit.RecordLeadsAsync();
        var first = kit.InsertLead("Before").Id;
        await recorder.WaitForCreatedAsync(first);
        var tokens = kit.Harness.Get<TokenCache>();
        var renewals = tokens.Renewals;
        var oldToken = (await tokens.GetAsync(CancellationToken.None)).Value;

        kit.Harness.Emulator.Get<TokenStore>().ExpireAllSessions();
        var during = kit.InsertLead("During").Id;

        await client.WaitForSignalAsync<Rehandshaking>(r => r.Reason == RehandshakeReason.Authentication);
        var sentinel = kit.InsertLead("Sentinel").Id;
        await recorder.WaitForCreatedAsync(sentinel);
        Assert.Equal([first, during, sentinel], recorder.CreatedIds);
        Assert.Equal(renewals + 1, tokens.Renewals);
        var newToken = (await tokens.GetAsync(CancellationToken.None)).Value;
        Assert.DoesNotContain(CapturedLogs.Lines, l => l.Contains(oldToken, StringComparison.Ordinal) || l.Contains(newToken, StringComparison.Ordinal));
    }

    [Fact]
    public async Task TwoChannels_OneSession_EachHandlerGetsOnlyItsChannel()
    {
        await using var kit = await StreamingKit.StartAsync();
        var (client, leads, accounts, _) = await RunOnLeadsAndAccountsAsync(kit);

        var lead = kit.InsertLead("Both").Id;
        var account = kit.InsertAccount("Both Inc").Id;
        await leads.WaitForCreatedAsync(lead);
        await accounts.WaitForCreatedAsync(account);

        Assert.Equal([lead], leads.CreatedIds);
        Assert.Equal([account], accounts.CreatedIds);
        Assert.All(accounts.Events, e => Assert.Equal("Account", e.ChangeEventHeader!.EntityName));
        Assert.Equal(1, client.Handshakes);
        Assert.Equal(2, client.Subscriptions.Count);
        await kit.AssertCheckpointAsync(StreamingKit.AccountChannel, accounts.Events.Single().ReplayId);
    }

    [Fact]
    public async Task Watchdog_NoConnectAnswerWithinHeartbeatWindow_SignalsSilentAndRehandshakes()
    {
        // The org holds polls for a minute; the client expects an answer every second.
        await using var kit = await StreamingKit.StartAsync(
            new Dictionary<string, string?> { ["Emulator:StreamingPollTimeout"] = "00:01:00" },
            new Dictionary<string, string?>
            {
                ["Salesforce:Streaming:HeartbeatWindow"] = "00:00:01",
                ["Salesforce:Streaming:ReplayFromWithoutCheckpoint"] = "-2",
            });
        var (client, recorder, subscription) = await kit.RecordLeadsAsync();

        var silent = await client.WaitForSignalAsync<StreamSilent>();
        Assert.Equal(TimeSpan.FromSeconds(1), silent.Waited);
        await client.WaitForSignalAsync<Rehandshaking>(r => r.Reason == RehandshakeReason.Silent);
        await client.WaitForSignalAsync<SessionStarted>(s => s.Handshakes >= 2);

        var lead = kit.InsertLead("AfterSilence").Id;
        await recorder.WaitForCreatedAsync(lead);
        Assert.Equal([lead], recorder.CreatedIds);
    }

    [Fact]
    public async Task SubscribeAsync_ChannelDoesNotExist_ThrowsWithTheServerError()
    {
        await using var kit = await StreamingKit.StartAsync();
        var client = kit.NewClient();
        var subscription = await client.SubscribeAsync(LeadChannel, new Recorder().Handler, CancellationToken.None);
        kit.Run(client);
        await subscription.Active.WaitAsync(StreamingKit.Patience);

        var error = await Assert.ThrowsAsync<StreamingException>(() => client.SubscribeAsync("/data/NoSuchThingChangeEvent", new Recorder().Handler, CancellationToken.None));

        Assert.StartsWith("400::The channel you requested to subscribe to doesn't exist", error.BayeuxError);
        Assert.Single(client.Subscriptions);
    }

    [Fact]
    public async Task UnsubscribeAsync_StopsDeliveryOnThatChannelOnly()
    {
        await using var kit = await StreamingKit.StartAsync();
        var (client, leads, accounts, leadSubscription) = await RunOnLeadsAndAccountsAsync(kit);

        await leadSubscription.UnsubscribeAsync(CancellationToken.None);
        kit.InsertLead("Unheard");
        var account = kit.InsertAccount("Heard Inc").Id;
        await accounts.WaitForCreatedAsync(account);

        Assert.Empty(leads.Messages);
        Assert.True(leadSubscription.Completion.IsCompletedSuccessfully);
        Assert.Single(client.Subscriptions);
    }

    /// <summary>A running client with one recorder on the Lead channel and one on the Account channel, both subscriptions active.</summary>
    private static async Task<(StreamingClient Client, Recorder Leads, Recorder Accounts, StreamingSubscription LeadSubscription)>
        RunOnLeadsAndAccountsAsync(StreamingKit kit)
    {
        var client = kit.NewClient();
        var leads = new Recorder();
        var accounts = new Recorder();
        var leadSubscription = await client.SubscribeAsync(LeadChannel, leads.Handler, CancellationToken.None);
        var accountSubscription = await client.SubscribeAsync(StreamingKit.AccountChannel, accounts.Handler, CancellationToken.None);
        kit.Run(client);
        await Task.WhenAll(leadSubscription.Active, accountSubscription.Active).WaitAsync(StreamingKit.Patience);
        return (client, leads, accounts, leadSubscription);
    }
}

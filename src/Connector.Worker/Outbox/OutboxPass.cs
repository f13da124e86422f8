namespace Connector.Worker.Outbox;

/// <summary>What one <see cref="OutboxDispatcher.DispatchOnceAsync"/> did.</summary>
/// <param name="Sent">Messages handled this pass (dispatched, failed or overridden); 0 when it waited.</param>
/// <param name="Dispatched">Messages marked dispatched.</param>
/// <param name="Failed">Messages that got a failed attempt (Salesforce errors, invalid payloads, overridden owners).</param>
/// <param name="Overridden">Owner changes written but found overridden on verification (counted in Failed too).</param>
/// <param name="Calls">Salesforce API calls answered (a call the budget governor held back never reached Salesforce).</param>
/// <param name="Held">Messages ready but held back to fill the batch (the oldest has not lingered long enough).</param>
/// <param name="Deferred">A transient failure stopped the pass; nothing was charged an attempt for it.</param>
/// <param name="NextCheck">When the dispatcher should look again.</param>
public sealed record OutboxPass(int Sent, int Dispatched, int Failed, int Overridden, int Calls, int Held, bool Deferred, TimeSpan NextCheck)
{
    public static OutboxPass Waiting(int held, TimeSpan nextCheck, bool deferred = false) => new(0, 0, 0, 0, 0, held, deferred, nextCheck);
}

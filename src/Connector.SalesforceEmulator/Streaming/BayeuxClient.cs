using System.Security.Cryptography;

namespace Connector.SalesforceEmulator.Streaming;

/// <summary>Where a channel's events come from: a stream, narrowed to one entity for /data/XChangeEvent.</summary>
internal sealed record ChannelBinding(EventStream Stream, string? Entity);

/// <summary>A client's interest in one channel and how far it has read.</summary>
internal sealed class Subscription(string channel, ChannelBinding binding, long cursor)
{
    public string Channel { get; } = channel;
    public ChannelBinding Binding { get; } = binding;
    public long Cursor { get; set; } = cursor;
}

/// <summary>
/// One handshaken Bayeux client. State changes under <see cref="Gate"/>; a held /meta/connect waits on
/// <see cref="WaitForWakeAsync"/>, which completes when an event for it is published, it subscribes, a newer
/// connect supersedes the held one, or the client is forgotten.
/// </summary>
internal sealed class BayeuxClient
{
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public BayeuxClient(string userId, DateTimeOffset now)
    {
        Id = RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 27);
        UserId = userId;
        LastSeen = now;
    }

    public Lock Gate { get; } = new();
    public string Id { get; }
    public string UserId { get; }

    /// <summary>By channel, in subscription order.</summary>
    public List<Subscription> Subscriptions { get; } = [];
    public DateTimeOffset LastSeen { get; set; }
    public int ActivePolls { get; set; }
    public long PollGeneration { get; set; }
    public bool Connected { get; set; }
    public bool Gone { get; set; }

    /// <summary>A task that completes at the next <see cref="Wake"/>; take it before checking for events so no wake is lost.</summary>
    public Task WakeTask
    {
        get
        {
            lock (Gate)
            {
                return _wake.Task;
            }
        }
    }

    public void Wake()
    {
        TaskCompletionSource fired;
        lock (Gate)
        {
            fired = _wake;
            _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        fired.TrySetResult();
    }

    public bool IsSubscribedTo(EventStream stream)
    {
        lock (Gate)
        {
            return Subscriptions.Exists(s => s.Binding.Stream == stream);
        }
    }
}

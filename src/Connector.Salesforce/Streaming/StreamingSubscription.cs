namespace Connector.Salesforce.Streaming;

/// <summary>
/// One channel's subscription on a <see cref="StreamingClient"/>. It outlives Bayeux sessions: after every
/// re-handshake the client subscribes again from <see cref="LastReplayId"/> (the last checkpointed event).
/// </summary>
public sealed class StreamingSubscription
{
    private readonly StreamingClient _client;
    private readonly TaskCompletionSource _active = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private object? _confirmedOn;
    private ReplayIdInvalid? _pendingSignal;

    internal StreamingSubscription(StreamingClient client, string channel, Func<StreamingMessage, CancellationToken, Task> handler, long? checkpoint, long resumeFrom)
    {
        _client = client;
        Channel = channel;
        Handler = handler;
        LastReplayId = checkpoint;
        ResumeFrom = resumeFrom;
    }

    public string Channel { get; }

    /// <summary>The replay id of the last event whose handler returned and whose checkpoint was saved.</summary>
    public long? LastReplayId { get; private set; }

    /// <summary>Completes when the server first accepted the subscription; faults if it refused it.</summary>
    public Task Active => _active.Task;

    /// <summary>
    /// Completes after <see cref="UnsubscribeAsync"/>; faults with <see cref="StreamingHandlerException"/> when the
    /// handler or the checkpoint store threw (nothing after that event is delivered; subscribing again resumes
    /// from the checkpoint, so the failed event comes again), or with <see cref="StreamingException"/> when the
    /// server refused the channel.
    /// </summary>
    public Task Completion => _completion.Task;

    public bool IsClosed => _completion.Task.IsCompleted;

    internal Func<StreamingMessage, CancellationToken, Task> Handler { get; }

    /// <summary>The replay id the next subscribe asks for: the checkpoint, else -1/-2.</summary>
    internal long ResumeFrom { get; set; }

    public Task UnsubscribeAsync(CancellationToken cancellationToken) => _client.UnsubscribeAsync(this, cancellationToken);

    internal bool IsConfirmedOn(object session) => ReferenceEquals(Volatile.Read(ref _confirmedOn), session);

    internal void Confirm(object session)
    {
        Volatile.Write(ref _confirmedOn, session);
        _active.TrySetResult();
    }

    internal void Checkpointed(long replayId)
    {
        LastReplayId = replayId;
        ResumeFrom = replayId;
    }

    internal ReplayIdInvalid? PendingSignal => Volatile.Read(ref _pendingSignal);

    internal void SetPendingSignal(ReplayIdInvalid signal) => Volatile.Write(ref _pendingSignal, signal);

    /// <summary>Whoever takes the pending signal delivers it (the run loop or a concurrent SubscribeAsync).</summary>
    internal ReplayIdInvalid? TakePendingSignal() => Interlocked.Exchange(ref _pendingSignal, null);

    internal void Close(Exception? error)
    {
        if (error is null)
        {
            _active.TrySetCanceled();
            _completion.TrySetResult();
            return;
        }

        if (_active.TrySetException(error))
        {
            // Observed here so a subscription nobody awaited does not raise UnobservedTaskException.
            _ = _active.Task.Exception;
        }

        _completion.TrySetException(error);
        _ = _completion.Task.Exception;
    }
}

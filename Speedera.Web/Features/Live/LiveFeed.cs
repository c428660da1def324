using System.Collections.Immutable;

namespace Speedera.Web.Features.Live;

/// <summary>What kind of state changed at the control plane.</summary>
public enum LiveTopic
{
    ProbeResults,
    Decisions,
    Usage,
    Heartbeat,
    ConfigurationPublished,
    Incidents,
    StatusSitePublished,
    PurgeResults,

    /// <summary>A cache node reported its last seconds of traffic (the real-time panel).</summary>
    Realtime,
    PageChecks,

    /// <summary>An invoice changed state (issued, paid, failed, refunded, voided).</summary>
    Invoices,
}

/// <summary>One change: its topic, the edge node that caused it (if any), and when the control plane saw it.</summary>
public sealed record LiveChange(LiveTopic Topic, string? NodeId, DateTimeOffset At);

/// <summary>
/// The one in-memory change feed of this portal instance. Edge uploads, heartbeats and configuration
/// publishes are announced here after they are stored; open circuits subscribe and re-read what they
/// show, so no page polls the database. Announcements carry no data, only "this changed".
/// </summary>
public sealed partial class LiveFeed(TimeProvider time, ILogger<LiveFeed> logger)
{
    private ImmutableArray<Subscription> _subscriptions = [];
    private ImmutableDictionary<LiveTopic, DateTimeOffset> _last = ImmutableDictionary<LiveTopic, DateTimeOffset>.Empty;

    public int SubscriberCount => _subscriptions.Length;

    /// <summary>When the control plane last saw a change of <paramref name="topic"/>, if ever since it started.</summary>
    public DateTimeOffset? LastChange(LiveTopic topic) => Volatile.Read(ref _last).TryGetValue(topic, out var at) ? at : null;

    public void Publish(LiveTopic topic, string? nodeId = null)
    {
        var change = new LiveChange(topic, nodeId, time.GetUtcNow());
        ImmutableInterlocked.AddOrUpdate(ref _last, topic, change.At, (_, _) => change.At);
        foreach (var subscription in _subscriptions)
        {
            if (!subscription.Topics.Contains(topic))
            {
                continue;
            }

            try
            {
                subscription.Handler(change);
            }
            catch (Exception ex)
            {
                // One broken circuit must not stop the others (or the upload that announced the change).
                LogSubscriberFailed(logger, topic, ex);
            }
        }
    }

    /// <summary>
    /// Calls <paramref name="handler"/> on the publishing thread for every change of the given topics,
    /// until the returned handle is disposed. Handlers must return quickly (a circuit hands off with InvokeAsync).
    /// </summary>
    public IDisposable Subscribe(IReadOnlyCollection<LiveTopic> topics, Action<LiveChange> handler)
    {
        var subscription = new Subscription(this, topics.ToImmutableHashSet(), handler);
        ImmutableInterlocked.Update(ref _subscriptions, static (list, s) => list.Add(s), subscription);
        return subscription;
    }

    private void Remove(Subscription subscription) =>
        ImmutableInterlocked.Update(ref _subscriptions, static (list, s) => list.Remove(s), subscription);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "A live-feed subscriber failed on a {Topic} change")]
    private static partial void LogSubscriberFailed(ILogger logger, LiveTopic topic, Exception exception);

    private sealed class Subscription(LiveFeed feed, ImmutableHashSet<LiveTopic> topics, Action<LiveChange> handler) : IDisposable
    {
        public ImmutableHashSet<LiveTopic> Topics { get; } = topics;

        public Action<LiveChange> Handler { get; } = handler;

        public void Dispose() => feed.Remove(this);
    }
}

public static class LiveTopics
{
    /// <summary>The topic an accepted edge upload of <paramref name="kind"/> announces, if pages show it.</summary>
    public static LiveTopic? ForUploadKind(string kind) => kind switch
    {
        Speedera.Core.ControlPlane.UploadKinds.ProbeResults => LiveTopic.ProbeResults,
        Speedera.Core.ControlPlane.UploadKinds.Decisions => LiveTopic.Decisions,
        Speedera.Core.ControlPlane.UploadKinds.Usage => LiveTopic.Usage,
        Speedera.Core.ControlPlane.UploadKinds.PageCheckResults => LiveTopic.PageChecks,
        _ => null,
    };
}

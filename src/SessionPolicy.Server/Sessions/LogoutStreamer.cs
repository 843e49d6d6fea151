using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.Extensions.Options;
using SessionPolicy.Server.Redis;
using SessionPolicy.Server.Security;
using SessionPolicy.Server.Sessions.Stores;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Sessions;

/// <summary>
/// SubscribeLogouts for one subscriber: subscribes first, then replays what it missed after its cursor,
/// then streams what arrives, skipping anything already sent, so nothing is missed or sent twice. A
/// keepalive goes out when the stream opens and, queued by the feed, at each keepalive interval in which nothing was sent.
/// A message the subscriber does not take within <see cref="SessionLifecycleOptions.SubscriberWriteTimeout"/> ends the
/// stream as ABORTED (SUBSCRIBER_TOO_SLOW) with the cursor to resume from, so a subscriber that stops reading holds nothing.
/// </summary>
internal sealed class LogoutStreamer(ISessionStore store, LogoutFeed feed, SessionMetrics metrics, IOptions<SessionLifecycleOptions> options,
    IOptions<LimitOptions> limits, TimeProvider time, SecurityEventTokens? tokens = null)
{
    private const int ReplayPage = 500;

    private readonly ConcurrentDictionary<string, int> _streams = new(StringComparer.Ordinal);
    private readonly int _maxStreams = limits.Value.MaxStreamsPerCaller;

    /// <param name="caller">Who holds the stream, for the cap on streams per caller: the caller's limit key.</param>
    public async Task StreamAsync(LogoutSubscriptionRequest request, IServerStreamWriter<SubscribeLogoutsResponse> stream, string caller, CancellationToken cancellationToken)
    {
        if (request.SecurityEventTokens && tokens is null)
        {
            throw ServiceFailure.Precondition($"security event tokens need a signing key: set {SecurityEventTokenOptions.Section}:KeyFile and :Issuer");
        }
        if (_streams.AddOrUpdate(caller, 1, (_, n) => n + 1) > _maxStreams)
        {
            Release(caller);
            throw ServiceFailure.Exhausted($"caller {caller} already holds {_maxStreams} SubscribeLogouts streams ({LimitOptions.Section}:MaxStreamsPerCaller)");
        }
        try
        {
            await StreamForCallerAsync(request, stream, cancellationToken);
        }
        finally
        {
            Release(caller);
        }
    }

    private void Release(string caller)
    {
        if (_streams.AddOrUpdate(caller, 0, (_, n) => n - 1) <= 0) _streams.TryRemove(new KeyValuePair<string, int>(caller, 0));
    }

    private async Task StreamForCallerAsync(LogoutSubscriptionRequest request, IServerStreamWriter<SubscribeLogoutsResponse> stream, CancellationToken cancellationToken)
    {
        await feed.Started.WaitAsync(cancellationToken);
        var subscription = feed.Subscribe(request.Audiences, request.PrincipalId, request.RoleArn);
        string? last = null;
        try
        {
            last = request.Cursor ?? await store.LatestCursorAsync(cancellationToken);
            // Read before the stream opens, so a cursor the log cannot resume from fails the call at once.
            var page = request.Cursor is not null ? await store.ReadAsync(last, ReplayPage, cancellationToken) : null;
            await SendAsync(stream, new SubscribeLogoutsResponse { Keepalive = true, Cursor = last ?? "" }, cancellationToken);
            if (page is not null) last = await ReplayAsync(request, subscription, stream, page, last, cancellationToken);

            var reader = subscription.Reader;
            while (await reader.WaitToReadAsync(cancellationToken))
            {
                while (subscription.TryRead(out var record))
                {
                    if (ReferenceEquals(record, LogoutSubscription.Keepalive))
                    {
                        await SendAsync(stream, new SubscribeLogoutsResponse { Keepalive = true, Cursor = last ?? "" }, cancellationToken);
                        continue;
                    }
                    if (last is not null && store.CompareCursors(record.Cursor, last) <= 0) continue;
                    await WriteAsync(request, subscription, stream, record, cancellationToken);
                    last = record.Cursor;
                    subscription.MarkSent();
                }
            }
            await reader.Completion;
        }
        catch (SubscriberStuckException)
        {
            throw Resume(FailureKind.Aborted, "SUBSCRIBER_TOO_SLOW", $"this subscriber took no message for {options.Value.SubscriberWriteTimeout.TotalSeconds:0.###}s; resume with cursor {last}", last);
        }
        catch (SubscriberOverflowException)
        {
            throw Resume(FailureKind.Aborted, "SUBSCRIBER_TOO_SLOW", $"this subscriber fell more than {options.Value.SubscriberBuffer} events behind; resume with cursor {last}", last);
        }
        catch (FeedGapException)
        {
            throw Resume(FailureKind.OutOfRange, "LOG_GAP",
                $"the logout log was trimmed or lost (a Redis restart without persistence?) past what this replica had read: events after cursor {last} may have been lost; resume from it to be told whether it still can", last);
        }
        catch (FeedStoppedException)
        {
            throw ServiceFailure.Unavailable($"the server is shutting down; reconnect to another replica and resume with cursor {last}");
        }
        catch (SharedStoreUnavailableException e)
        {
            throw ServiceFailure.Unavailable($"the shared store (Redis) is unavailable; resume with cursor {last}", inner: e);
        }
        finally
        {
            feed.Unsubscribe(subscription);
        }
    }

    private async Task<string?> ReplayAsync(LogoutSubscriptionRequest request, LogoutSubscription subscription, IServerStreamWriter<SubscribeLogoutsResponse> stream,
        LogPage page, string? last, CancellationToken cancellationToken)
    {
        while (true)
        {
            foreach (var record in page.Events)
            {
                if (subscription.Concerns(record)) await WriteAsync(request, subscription, stream, record, cancellationToken);
                last = record.Cursor;
            }
            if (!page.More) return last;
            page = await store.ReadAsync(last, ReplayPage, cancellationToken);
        }
    }

    private async Task WriteAsync(LogoutSubscriptionRequest request, LogoutSubscription subscription, IServerStreamWriter<SubscribeLogoutsResponse> stream,
        LogoutRecord record, CancellationToken cancellationToken)
    {
        if (subscription.Render(record) is not { } e) return;
        var response = new SubscribeLogoutsResponse { Event = e, Cursor = e.Cursor };
        if (request.SecurityEventTokens) response.SecurityEventToken = tokens!.Render(e, request.Audiences);
        await SendAsync(stream, response, cancellationToken);
        metrics.Delivered(time.GetUtcNow() - record.OccurredAt);
    }

    /// <summary>A stream ended with the reason and the cursor to resume from (google.rpc.ErrorInfo metadata <c>cursor</c>).</summary>
    private static ServiceFailure Resume(FailureKind kind, string reason, string message, string? cursor) =>
        new(kind, message) { Reason = reason, Metadata = new Dictionary<string, string> { ["cursor"] = cursor ?? "" } };

    /// <summary>
    /// Every write to the subscriber: within the write timeout, or <see cref="SubscriberStuckException"/>. The timeout
    /// runs from before the write starts, and waits on the write instead of cancelling it: a write that has completed is
    /// never torn down by a timer that fires before this method resumes; a stuck one is abandoned, and ending the call
    /// aborts it.
    /// </summary>
    private async Task SendAsync(IServerStreamWriter<SubscribeLogoutsResponse> stream, SubscribeLogoutsResponse response, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(options.Value.SubscriberWriteTimeout, time);
        var write = stream.WriteAsync(response, cancellationToken);
        if (write.IsCompleted)
        {
            await write;
            return;
        }
        using var either = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        try
        {
            await write.WaitAsync(either.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new SubscriberStuckException();
        }
    }

    private sealed class SubscriberStuckException : Exception;
}

using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using SessionPolicy.Server.Sessions;
using SessionPolicy.Server.Sessions.Stores;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Receivers;

/// <summary>
/// The edge of <c>SessionReceiversService</c>: each configured receiver with where its delivery stands (its cursor, how
/// far behind the log it is, its counts on every replica). The authorization header is never returned.
/// </summary>
internal sealed class ReceiversGrpcService(IOptions<ReceiverOptions> options, IReceiverCursors cursors, ISessionStore store, TimeProvider time)
    : SessionReceiversService.SessionReceiversServiceBase
{
    /// <summary>The most events counted as a receiver's lag.</summary>
    internal const int LagLimit = 1000;

    public override async Task<ListReceiversResponse> ListReceivers(ListReceiversRequest request, ServerCallContext context)
    {
        var response = new ListReceiversResponse();
        foreach (var r in options.Value.List) response.Receivers.Add(await StateAsync(r, context.CancellationToken));
        return response;
    }

    private async Task<ReceiverState> StateAsync(ReceiverSettings r, CancellationToken cancellationToken)
    {
        var cursor = await cursors.GetAsync(r.Name) ?? "";
        var counts = await cursors.CountsAsync(r.Name);
        var state = new ReceiverState
        {
            Name = r.Name, Kind = r.Kind, Url = r.Url, HasAuthorization = r.AuthorizationHeader.Length > 0, Cursor = cursor,
            LagEventsLimit = LagLimit, LastError = counts.LastError, Delivered = counts.Delivered, Failed = counts.Failed,
        };
        state.Audiences.Add(r.Audiences);
        state.Principals.Add(r.Principals);
        if (counts.LastSuccess is { } success) state.LastSuccess = Timestamp.FromDateTimeOffset(success);
        if (counts.LastErrorAt is { } failed) state.LastErrorAt = Timestamp.FromDateTimeOffset(failed);
        if (cursor.Length > 0)
        {
            try
            {
                var behind = await store.ReadAsync(cursor, LagLimit, cancellationToken);
                state.LagEvents = behind.Events.Count;
                if (behind.Events.Count > 0) state.LagSeconds = (long)Math.Max(0, (time.GetUtcNow() - behind.Events[0].OccurredAt).TotalSeconds);
            }
            catch (CursorOutOfRangeException)
            {
                // Behind what the log keeps: everything it holds is still to come.
                state.LagEvents = LagLimit;
            }
        }
        return state;
    }
}

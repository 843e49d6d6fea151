using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using SessionPolicy.Mapping;
using SessionPolicy.Server.Grpc;
using SessionPolicy.Server.Security;
using SessionPolicy.Server.Sessions;
using SessionPolicy.Server.Sessions.Stores;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Receivers;

/// <summary>
/// The edge of <c>SessionReceiversService</c>: each receiver with where its delivery stands (its cursor, how far behind
/// the log it is, its counts on every replica), and registering and removing receivers through
/// <see cref="ReceiverCatalog"/>. The authorization header is never returned.
/// </summary>
internal sealed class ReceiversGrpcService(ReceiverCatalog catalog, IReceiverCursors cursors, ISessionStore store, CallerAuthorization callers, TimeProvider time)
    : SessionReceiversService.SessionReceiversServiceBase
{
    /// <summary>The most events counted as a receiver's lag.</summary>
    internal const int LagLimit = 1000;

    public override async Task<ListReceiversResponse> ListReceivers(ListReceiversRequest request, ServerCallContext context)
    {
        var response = new ListReceiversResponse();
        foreach (var r in await catalog.AllAsync()) response.Receivers.Add(await StateAsync(r, context.CancellationToken));
        return response;
    }

    public override async Task<RegisterReceiverResponse> RegisterReceiver(RegisterReceiverRequest request, ServerCallContext context)
    {
        var settings = new ReceiverSettings
        {
            Name = request.Name, Kind = request.Kind, Url = request.Url, Audiences = [.. request.Audiences], Principals = [.. request.Principals],
            SubjectFormat = request.SubjectFormat.Length > 0 ? request.SubjectFormat : "opaque", AuthorizationHeader = request.AuthorizationHeader,
        };
        var errors = new FieldViolations();
        catalog.Check(settings, errors.Add);
        errors.ThrowIfAny();
        var receiver = new Receiver(settings, Receiver.Registered);
        await catalog.AddAsync(receiver, Actor(context));
        return new RegisterReceiverResponse { Receiver = await StateAsync(receiver, context.CancellationToken) };
    }

    public override async Task<RemoveReceiverResponse> RemoveReceiver(RemoveReceiverRequest request, ServerCallContext context)
    {
        var errors = new FieldViolations();
        ReceiverRules.CheckName(request.Name, errors.Add);
        errors.ThrowIfAny();
        await catalog.RemoveAsync(request.Name, Actor(context));
        return new RemoveReceiverResponse();
    }

    private string Actor(ServerCallContext context) => callers.Identify(context.GetHttpContext())?.Name ?? "unauthenticated caller";

    /// <summary>Where a receiver's delivery stands; also the URL a poll receiver polls.</summary>
    private async Task<ReceiverState> StateAsync(Receiver receiver, CancellationToken cancellationToken)
    {
        var r = receiver.Settings;
        var cursor = await cursors.GetAsync(r.Name) ?? "";
        var counts = await cursors.CountsAsync(r.Name);
        var state = new ReceiverState
        {
            Name = r.Name, Kind = r.Kind, Url = r.IsPush ? r.Url : SharedSignalsEndpoints.PollUrl(catalog.Issuer, r.Name), HasAuthorization = r.AuthorizationHeader.Length > 0,
            Cursor = cursor, LagEventsLimit = LagLimit, LastError = counts.LastError, Delivered = counts.Delivered, Failed = counts.Failed,
            SubjectFormat = r.IsSsf ? r.SubjectFormat : "", Source = receiver.Source, Status = receiver.Stream?.Status ?? ReceiverStream.StatusEnabled,
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

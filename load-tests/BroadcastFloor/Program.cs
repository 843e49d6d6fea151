using System.Collections.Concurrent;
using Grpc.Core;
using SessionPolicy.V1;
using Channels = System.Threading.Channels;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k => k.ConfigureEndpointDefaults(e => e.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2));
builder.Services.AddGrpc();
builder.Services.AddSingleton<Subscribers>();
var app = builder.Build();
app.MapGrpcService<FloorService>();
app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine($"Now listening on: {app.Urls.First()}"));
app.Run();

internal sealed class Subscribers : ConcurrentDictionary<Channels.Channel<LogoutEvent>, bool>;

internal sealed class FloorService(Subscribers subscribers) : SessionEventsService.SessionEventsServiceBase
{
    public override Task<RegisterSessionResponse> RegisterSession(RegisterSessionRequest request, ServerCallContext context) =>
        Task.FromResult(new RegisterSessionResponse { Session = new SessionInfo { SessionId = Guid.NewGuid().ToString("N") } });

    public override Task<ForceLogoutResponse> ForceLogout(ForceLogoutRequest request, ServerCallContext context)
    {
        var e = new LogoutEvent { EventId = Guid.NewGuid().ToString("N"), SessionIds = { request.SessionId }, Reason = LogoutReason.Admin };
        foreach (var s in subscribers.Keys) s.Writer.TryWrite(e);
        return Task.FromResult(new ForceLogoutResponse { EventId = e.EventId, SessionIds = { request.SessionId } });
    }

    public override async Task SubscribeLogouts(SubscribeLogoutsRequest request, IServerStreamWriter<SubscribeLogoutsResponse> stream, ServerCallContext context)
    {
        var channel = Channels.Channel.CreateUnbounded<LogoutEvent>();
        subscribers[channel] = true;
        try
        {
            await stream.WriteAsync(new SubscribeLogoutsResponse { Keepalive = true });
            await foreach (var e in channel.Reader.ReadAllAsync(context.CancellationToken)) await stream.WriteAsync(new SubscribeLogoutsResponse { Event = e });
        }
        finally
        {
            subscribers.TryRemove(channel, out _);
        }
    }
}

using System.Threading.RateLimiting;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Microsoft.AspNetCore.RateLimiting;
using SessionPolicy.Server.Grpc;

namespace SessionPolicy.Server.Security;

/// <summary>
/// Per-caller rate limits that answer as gRPC does: RESOURCE_EXHAUSTED with a RetryInfo, not the HTTP 503
/// a rate limiter sends by default (which clients read as UNAVAILABLE). A caller is its authenticated name
/// when its credential is already known (a remembered token, the connection's certificate), otherwise its
/// network address. Health checks are never limited.
/// </summary>
internal static class RateLimits
{
    public static IServiceCollection AddSessionPolicyRateLimits(this IServiceCollection services, LimitOptions limits)
    {
        if (limits.Permits == 0) return services;
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<CallerAuthorization>((o, callers) =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                http.Request.Path.StartsWithSegments("/grpc.health.v1.Health")
                    ? RateLimitPartition.GetNoLimiter("health")
                    : RateLimitPartition.GetTokenBucketLimiter(callers.LimitKey(http), _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = limits.Permits,
                        TokensPerPeriod = limits.Permits,
                        ReplenishmentPeriod = limits.Period,
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    }));
            o.OnRejected = (context, _) =>
            {
                var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : limits.Period;
                var status = new Google.Rpc.Status
                {
                    Code = (int)Code.ResourceExhausted,
                    Message = $"rate limit: at most {limits.Permits} calls per {limits.Period} for {callers.LimitKey(context.HttpContext)}; retry after {retry}",
                    Details = { Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(retry) }) },
                };
                return new ValueTask(TrailersOnlyReply.WriteAsync(context.HttpContext, status));
            };
        });
        return services;
    }
}

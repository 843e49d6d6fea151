using Microsoft.Extensions.Options;
using SessionPolicy.Mapping;
using SessionPolicy.Server.Security;

namespace SessionPolicy.Server.Grpc;

/// <summary>The times a request may state, read from the injected clock and <see cref="LimitOptions"/>.</summary>
internal sealed class RequestClock(TimeProvider time, IOptions<LimitOptions> limits)
{
    private readonly TimeSpan _skew = limits.Value.MaxClockSkew;
    private readonly TimeSpan _age = limits.Value.MaxAuthenticationAge;

    /// <summary>The bounds at this moment.</summary>
    public TimeBounds Bounds() => new(time.GetUtcNow(), _skew, _age);
}

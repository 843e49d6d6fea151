using System.Diagnostics.Metrics;
using Grpc.Core;
using SessionPolicy.Server.Telemetry;

namespace SessionPolicy.Server.Grpc;

/// <summary>
/// Requests refused before any handler ran, because their bytes are not a gRPC request message (a frame that
/// does not parse, an unknown frame flag, an impossible length, a body that does not decompress): INVALID_ARGUMENT,
/// a debug line and a count by method, never an error with a stack trace.
/// </summary>
internal sealed class MalformedRequests
{
    private readonly Counter<long> _refused;
    private readonly ILogger<MalformedRequests> _logger;

    public MalformedRequests(IMeterFactory meters, ILogger<MalformedRequests> logger)
    {
        _refused = meters.Create(ServiceMeter.Name).CreateCounter<long>("sessionpolicy.requests.malformed", unit: "{request}",
            description: "Requests refused as INVALID_ARGUMENT because their bytes are not the method's request message, by method.");
        _logger = logger;
    }

    /// <summary>Counts and logs the refusal, and returns the status to end the call with.</summary>
    public RpcException Refuse(string method, string why)
    {
        _refused.Add(1, new KeyValuePair<string, object?>("method", method));
        Log.MalformedRequest(_logger, method, why);
        return new RpcException(new Status(StatusCode.InvalidArgument, $"the request to {method} is not a valid request message: {why}"));
    }
}

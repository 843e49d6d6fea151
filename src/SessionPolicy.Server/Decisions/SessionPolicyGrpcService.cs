using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using SessionPolicy.Mapping;
using SessionPolicy.Server.Grpc;
using SessionPolicy.Server.Policies;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Decisions;

/// <summary>The decision RPCs: Decide, DecideBatch and GetPolicyInfo.</summary>
internal sealed class SessionPolicyGrpcService(DecisionService decisions, PolicyStore policies, MalformedRequests malformed, RequestClock clock) : SessionPolicyBinding
{
    /// <summary>
    /// The warm path first: bytes already decided under this policy were a valid request then and decide
    /// the same now, so the stored reply goes out as it is. Otherwise parse, validate and evaluate.
    /// </summary>
    [Binds("Decide")]
    public override Task<DecideReply> DecideBytes(DecideCall call, ServerCallContext context)
    {
        if (decisions.TryGetCached(call.Encoded, out var cached)) return Task.FromResult(new DecideReply(cached.EncodedResponse));
        return DecideUncachedAsync(call, context.CancellationToken);
    }

    private async Task<DecideReply> DecideUncachedAsync(DecideCall call, CancellationToken cancellationToken) =>
        new(await DecideOneAsync(Parse(call), call.Encoded, cancellationToken));

    /// <summary>
    /// Decide for a binding without the byte-keeping marshallers (JSON transcoding): the request's canonical bytes are the
    /// cache key, and the decision is validated, evaluated and cached as the gRPC path does.
    /// </summary>
    public override async Task<DecideResponse> Decide(DecideRequest request, ServerCallContext context)
    {
        var key = request.ToByteArray();
        if (decisions.TryGetCached(key, out var cached)) return new DecideResponse { Decision = cached.Decision };
        return await DecideOneAsync(request, key, context.CancellationToken);
    }

    /// <summary>One request not in the cache: validated (INVALID_ARGUMENT naming every bad field), evaluated and cached under <paramref name="key"/>.</summary>
    private async Task<DecideResponse> DecideOneAsync(DecideRequest request, byte[] key, CancellationToken cancellationToken)
    {
        var errors = new FieldViolations();
        var decision = await DecideAsync(request, key, errors, cancellationToken);
        errors.ThrowIfAny();
        return new DecideResponse { Decision = decision };
    }

    public override async Task<DecideBatchResponse> DecideBatch(DecideBatchRequest request, ServerCallContext context)
    {
        var errors = new FieldViolations();
        DecisionRequestReader.ReadBatch(request, errors);
        errors.ThrowIfAny();

        var response = new DecideBatchResponse();
        for (var i = 0; i < request.Requests.Count; i++)
        {
            var item = request.Requests[i];
            var key = item.ToByteArray();
            var decision = decisions.TryGetCached(key, out var cached)
                ? cached.Decision
                : await DecideAsync(item, key, errors.Nested($"requests[{i}]."), context.CancellationToken);
            if (decision is not null) response.Decisions.Add(decision);
        }
        // Every item is validated before the batch fails, so one reply names every bad field.
        errors.ThrowIfAny();
        return response;
    }

    public override Task<GetPolicyInfoResponse> GetPolicyInfo(GetPolicyInfoRequest request, ServerCallContext context)
    {
        var current = policies.Current;
        var response = new GetPolicyInfoResponse
        {
            Version = current.Version,
            Source = current.Source,
            LoadedAt = Timestamp.FromDateTimeOffset(current.LoadedAt),
            ProfileCount = current.Engine.Policy.Profiles.Count,
            GuardrailCount = current.Engine.Policy.Guardrails.Count,
            ServerVersion = Hosting.ServiceVersion.Current,
        };
        response.Warnings.Add(current.Warnings.Select(ToProto));
        if (policies.LastRejected is { } rejected)
        {
            response.LastRejectedErrors.Add(rejected.Errors.Select(ToProto));
            response.LastRejectedAt = Timestamp.FromDateTimeOffset(rejected.At);
        }
        return Task.FromResult(response);
    }

    /// <summary>Validates (into <paramref name="errors"/>) and decides; null when the request is invalid.</summary>
    private async ValueTask<Decision?> DecideAsync(DecideRequest request, byte[] encoded, FieldViolations errors, CancellationToken cancellationToken)
    {
        var session = DecisionRequestReader.Read(request, clock.Bounds(), errors);
        return session is null ? null : await decisions.DecideAsync(session, request.Explain, encoded, cancellationToken);
    }

    /// <summary>Decide's bytes are parsed here, not by its marshaller (a warm call is never parsed): refused as every undecodable request is.</summary>
    private DecideRequest Parse(DecideCall call)
    {
        try
        {
            return call.Request;
        }
        catch (InvalidProtocolBufferException)
        {
            throw malformed.Refuse("/sessionpolicy.v1.SessionPolicyService/Decide", "its bytes do not parse as DecideRequest");
        }
    }

    private static V1.PolicyProblem ToProto(Core.Policies.PolicyProblem p) =>
        new() { Line = p.Line, Column = p.Column, Path = p.Path, Message = p.Message };
}

using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using SessionPolicy.Server.Decisions;
using SessionPolicy.Server.Policies;
using SessionPolicy.V1;
using SessionPolicy.V1.Mapping;

namespace SessionPolicy.Server.Grpc;

/// <summary>The decision RPCs: Decide, DecideBatch and GetPolicyInfo.</summary>
internal sealed class SessionPolicyGrpcService(DecisionService decisions, PolicyStore policies) : SessionPolicyService.SessionPolicyServiceBase
{
    /// <summary>Most requests in one DecideBatch call.</summary>
    public const int MaxBatchSize = 500;

    public override Task<DecideResponse> Decide(DecideRequest request, ServerCallContext context)
    {
        var errors = new FieldViolations();
        var decision = Decide(request, errors);
        errors.ThrowIfAny();
        return Task.FromResult(new DecideResponse { Decision = decision });
    }

    /// <summary>
    /// The warm path first: a request seen before under this policy was valid then and decides the same
    /// now. Otherwise validate (into <paramref name="errors"/>) and evaluate; null when invalid.
    /// </summary>
    private Decision? Decide(DecideRequest request, FieldViolations errors)
    {
        if (request.Explain)
        {
            var explained = SessionRequestReader.Read(request.Principal, request.Role, request.Context, errors);
            return explained is null ? null : decisions.Decide(explained, explain: true, request);
        }
        if (decisions.TryGetCached(request, out var cached)) return cached;
        var session = SessionRequestReader.Read(request.Principal, request.Role, request.Context, errors);
        return session is null ? null : decisions.Decide(session, explain: false, request);
    }

    public override Task<DecideBatchResponse> DecideBatch(DecideBatchRequest request, ServerCallContext context)
    {
        var errors = new FieldViolations();
        if (request.Requests.Count == 0) errors.Add("requests", "must hold at least one request");
        if (request.Requests.Count > MaxBatchSize) errors.Add("requests", $"holds {request.Requests.Count} requests; at most {MaxBatchSize} are allowed");
        errors.ThrowIfAny();

        var response = new DecideBatchResponse();
        for (var i = 0; i < request.Requests.Count; i++)
        {
            if (Decide(request.Requests[i], errors.Nested($"requests[{i}].")) is { } decision) response.Decisions.Add(decision);
        }
        // Every item is validated before the batch fails, so one reply names every bad field.
        errors.ThrowIfAny();
        return Task.FromResult(response);
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
        };
        response.Warnings.Add(current.Warnings.Select(ToProto));
        if (policies.LastRejected is { } rejected)
        {
            response.LastRejectedErrors.Add(rejected.Errors.Select(ToProto));
            response.LastRejectedAt = Timestamp.FromDateTimeOffset(rejected.At);
        }
        return Task.FromResult(response);
    }

    private static V1.PolicyProblem ToProto(Core.Policies.PolicyProblem p) =>
        new() { Line = p.Line, Column = p.Column, Path = p.Path, Message = p.Message };
}

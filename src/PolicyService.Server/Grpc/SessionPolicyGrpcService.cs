using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using SessionPolicy.Core.Evaluation;
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
        var session = SessionRequestReader.Read(request.Principal, request.Role, request.Context, errors);
        errors.ThrowIfAny();
        return Task.FromResult(new DecideResponse { Decision = decisions.Decide(session!, request.Explain) });
    }

    public override Task<DecideBatchResponse> DecideBatch(DecideBatchRequest request, ServerCallContext context)
    {
        var errors = new FieldViolations();
        if (request.Requests.Count == 0) errors.Add("requests", "must hold at least one request");
        if (request.Requests.Count > MaxBatchSize) errors.Add("requests", $"holds {request.Requests.Count} requests; at most {MaxBatchSize} are allowed");
        errors.ThrowIfAny();

        var sessions = new SessionRequest?[request.Requests.Count];
        for (var i = 0; i < sessions.Length; i++)
        {
            var item = request.Requests[i];
            sessions[i] = SessionRequestReader.Read(item.Principal, item.Role, item.Context, errors.Nested($"requests[{i}]."));
        }
        errors.ThrowIfAny();

        var response = new DecideBatchResponse();
        for (var i = 0; i < sessions.Length; i++) response.Decisions.Add(decisions.Decide(sessions[i]!, request.Requests[i].Explain));
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

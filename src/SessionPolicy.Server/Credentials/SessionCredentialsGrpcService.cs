using Grpc.Core;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Credentials;

/// <summary>IssueSession; without STS configured it says which setting to set and never pretends to issue.</summary>
internal sealed class SessionCredentialsGrpcService(IServiceProvider services) : SessionCredentialsService.SessionCredentialsServiceBase
{
    private readonly SessionIssuer? _issuer = services.GetService<SessionIssuer>();

    public override Task<IssueSessionResponse> IssueSession(IssueSessionRequest request, ServerCallContext context) =>
        _issuer?.IssueAsync(request, context.CancellationToken)
        ?? throw new RpcException(new Status(StatusCode.FailedPrecondition,
            $"IssueSession needs AWS STS, which is not configured: set {StsOptions.Section}:Region (and {StsOptions.Section}:ServiceUrl for an STS-compatible endpoint); credentials come from the AWS SDK's default chain"));
}

using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using SessionPolicy.Mapping;
using SessionPolicy.Server.Grpc;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Credentials;

/// <summary>
/// The edge of <c>SessionCredentialsService</c>: IssueSession read and checked, issued, and the credentials
/// written back. Without STS configured it says which setting to set and never pretends to issue.
/// </summary>
internal sealed class SessionCredentialsGrpcService(ISessionIssuer issuer, RequestClock clock, Revocation.RevocationView revocations)
    : SessionCredentialsService.SessionCredentialsServiceBase
{
    public override Task<ListRevocationsResponse> ListRevocations(ListRevocationsRequest request, ServerCallContext context)
    {
        var errors = new FieldViolations();
        if (request.RoleArn.Length > 0 && Revocation.CredentialRevoker.RoleName(request.RoleArn) is null)
        {
            errors.Add("role_arn", "must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME) or empty");
        }
        errors.ThrowIfAny();
        return revocations.ListAsync(request.RoleArn);
    }

    public override async Task<IssueSessionResponse> IssueSession(IssueSessionRequest request, ServerCallContext context)
    {
        var errors = new FieldViolations();
        var order = IssueSessionRequestReader.Read(request, clock.Bounds(), errors).OrThrow(errors);
        var issued = await issuer.IssueAsync(order, context.CancellationToken);
        return new IssueSessionResponse
        {
            Credentials = new V1.Credentials
            {
                AccessKeyId = issued.Credentials.AccessKeyId,
                SecretAccessKey = issued.Credentials.SecretAccessKey,
                SessionToken = issued.Credentials.SessionToken,
                Expiration = Timestamp.FromDateTimeOffset(issued.Expiration),
            },
            AssumedRoleArn = issued.AssumedRoleArn,
            Decision = issued.Decision,
            IdleTimeoutSeconds = issued.Decision.IdleTimeoutSeconds,
            SessionId = issued.SessionId,
        };
    }
}

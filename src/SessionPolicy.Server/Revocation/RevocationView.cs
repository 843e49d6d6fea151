using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Revocation;

/// <summary>ListRevocations: what is denied now, per role, and when each entry goes; refused while revocation is off.</summary>
internal sealed class RevocationView(IOptions<RevocationOptions> options, IServiceProvider services)
{
    public async Task<ListRevocationsResponse> ListAsync(string roleArn)
    {
        if (!options.Value.Enabled)
        {
            throw ServiceFailure.Precondition($"revocation of issued credentials is off: set {RevocationOptions.Section}:Enabled to true");
        }
        var ledger = services.GetRequiredService<IRevocationLedger>();
        var response = new ListRevocationsResponse { PolicyName = options.Value.PolicyName, DryRun = options.Value.DryRun };
        foreach (var entry in await ledger.ListAsync())
        {
            if (roleArn.Length > 0 && entry.RoleArn != roleArn) continue;
            var policy = entry.Policy();
            var role = new RoleRevocations
            {
                RoleArn = entry.RoleArn,
                State = entry.State switch
                {
                    RevocationState.Written => V1.RevocationState.Written,
                    RevocationState.DryRun => V1.RevocationState.DryRun,
                    _ => V1.RevocationState.Pending,
                },
                FellBack = entry.FellBack,
                Characters = DenyPolicy.Size(policy.Render()),
                LastError = entry.LastError,
                ForeignStatements = policy.ForeignCount,
            };
            if (entry.WrittenAt is { } at) role.WrittenAt = Timestamp.FromDateTimeOffset(at);
            foreach (var e in policy.Entries)
            {
                var denied = new DeniedEntry { Kind = e.Kind, Subject = e.Subject, RemovedAt = Timestamp.FromDateTimeOffset(e.RemovedAt) };
                if (e.IssuedBefore is { } before) denied.IssuedBefore = Timestamp.FromDateTimeOffset(before);
                role.Entries.Add(denied);
            }
            response.Roles.Add(role);
        }
        return response;
    }
}

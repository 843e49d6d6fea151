using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Ssm;

/// <summary>The edge of <c>SessionManagerService</c>: each configured region's standing, refused while Session Manager is not governed.</summary>
internal sealed class SessionManagerGrpcService(IOptions<SsmOptions> options, IServiceProvider services) : SessionManagerService.SessionManagerServiceBase
{
    public override Task<GetSsmStatusResponse> GetSsmStatus(GetSsmStatusRequest request, ServerCallContext context)
    {
        if (!options.Value.Enabled) throw ServiceFailure.Precondition($"Session Manager is not governed: set {SsmOptions.Section}:Enabled to true and list its regions");
        var fleet = services.GetRequiredService<SsmFleet>();
        var response = new GetSsmStatusResponse { FleetCoverage = fleet.Coverage };
        foreach (var s in fleet.Status)
        {
            var region = new SsmRegionStatus
            {
                Region = s.Target.Region, Account = s.Target.Account, Environment = s.Target.Environment, IdleMinutes = s.IdleMinutes, MaxMinutes = s.MaxMinutes, LastError = s.LastError,
                ActiveSessions = s.ActiveSessions, OverLimitSessions = s.OverLimitSessions,
                Preferences = s.State switch
                {
                    PreferencesState.InSync => SsmPreferencesState.InSync,
                    PreferencesState.Drifted => SsmPreferencesState.Drifted,
                    PreferencesState.Failing => SsmPreferencesState.Failing,
                    _ => SsmPreferencesState.Unspecified,
                },
            };
            if (s.CheckedAt is { } c) region.CheckedAt = Timestamp.FromDateTimeOffset(c);
            if (s.SessionsListedAt is { } l) region.SessionsListedAt = Timestamp.FromDateTimeOffset(l);
            response.Regions.Add(region);
        }
        return Task.FromResult(response);
    }
}

using SessionPolicy.Mapping;
using SessionPolicy.Server.Sessions;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Signals;

/// <summary>Reads ReportSignal at the edge: the checked <see cref="SignalReport"/>, or null with every bad field recorded.</summary>
internal static class SignalReader
{
    public static SignalReport? Read(ReportSignalRequest request, TimeSpan defaultTtl, FieldViolations errors)
    {
        SessionEventsReader.PrincipalId(errors, "principal_id", request.PrincipalId, required: true);
        if (request.RiskScore is < 0 or > 100) errors.Add("risk_score", "must be between 0 and 100");
        if (request.TtlSeconds < 0 || request.TtlSeconds > SignalOptions.MaxTtl.TotalSeconds)
        {
            errors.Add("ttl_seconds", $"must be between 0 (the default, {defaultTtl}) and {SignalOptions.MaxTtl.TotalSeconds:F0}");
        }
        SessionFieldsReader.Text(errors, "source", request.Source, 128);
        SessionFieldsReader.Text(errors, "detail", request.Detail, 1024);
        if (errors.Any) return null;
        var ttl = request.TtlSeconds == 0 ? defaultTtl : TimeSpan.FromSeconds(request.TtlSeconds);
        return new SignalReport(request.PrincipalId, request.RiskScore, ttl, request.DisablePrincipal, request.Source, request.Detail);
    }
}

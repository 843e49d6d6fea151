namespace SessionPolicy.Server.Signals;

/// <summary>A ReportSignal request, read and checked: a risk score for a principal for a time, optionally disabling it, and who says so.</summary>
internal sealed record SignalReport(string PrincipalId, int RiskScore, TimeSpan Ttl, bool DisablePrincipal, string Source, string Detail);

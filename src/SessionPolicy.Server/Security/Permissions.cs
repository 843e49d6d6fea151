namespace SessionPolicy.Server.Security;

/// <summary>What a caller may do, by RPC.</summary>
internal static class Permissions
{
    public const string Decide = "decide";
    public const string Issue = "issue";
    public const string Subscribe = "subscribe";
    public const string Register = "register";
    public const string Admin = "admin";

    /// <summary>Every permission there is.</summary>
    public static readonly IReadOnlySet<string> All = new HashSet<string>([Decide, Issue, Subscribe, Register, Admin], StringComparer.Ordinal);

    /// <summary>
    /// Services any caller may use without a permission: health (probes, load balancers) and server reflection.
    /// Every other method needs the permission <see cref="ByMethod"/> lists for it; a method it does not list is refused.
    /// </summary>
    public static readonly IReadOnlyList<string> ExemptServices = ["/grpc.health.v1.Health/", "/grpc.reflection.v1alpha.ServerReflection/", "/grpc.reflection.v1.ServerReflection/"];

    /// <summary>Whether <paramref name="method"/> (a gRPC path) belongs to an exempt service.</summary>
    public static bool IsExempt(string method)
    {
        foreach (var prefix in ExemptServices) if (method.StartsWith(prefix, StringComparison.Ordinal)) return true;
        return false;
    }

    /// <summary>The permission each method needs; closed by default: a method of any other service not listed here is refused.</summary>
    public static readonly IReadOnlyDictionary<string, string> ByMethod = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["/sessionpolicy.v1.SessionPolicyService/Decide"] = Decide,
        ["/sessionpolicy.v1.SessionPolicyService/DecideBatch"] = Decide,
        ["/sessionpolicy.v1.SessionPolicyService/GetPolicyInfo"] = Decide,
        ["/sessionpolicy.v1.SessionCredentialsService/IssueSession"] = Issue,
        ["/sessionpolicy.v1.SessionCredentialsService/ListRevocations"] = Admin,
        ["/sessionpolicy.v1.SessionEventsService/SubscribeLogouts"] = Subscribe,
        ["/sessionpolicy.v1.SessionEventsService/RegisterSession"] = Register,
        ["/sessionpolicy.v1.SessionEventsService/RecordActivity"] = Register,
        ["/sessionpolicy.v1.SessionEventsService/ForceLogout"] = Admin,
        ["/sessionpolicy.v1.SessionEventsService/ListSessions"] = Admin,
        ["/sessionpolicy.v1.SessionEventsService/ReportSignal"] = Admin,
        ["/sessionpolicy.v1.SessionReceiversService/ListReceivers"] = Admin,
        ["/sessionpolicy.v1.SessionReceiversService/RegisterReceiver"] = Admin,
        ["/sessionpolicy.v1.SessionReceiversService/RemoveReceiver"] = Admin,
        ["/sessionpolicy.v1.SessionManagerService/GetSsmStatus"] = Admin,
    };
}

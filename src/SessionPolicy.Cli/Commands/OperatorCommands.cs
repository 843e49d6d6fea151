using System.CommandLine;
using System.Globalization;
using Google.Protobuf;
using Grpc.Net.Client;
using SessionPolicy.V1;

namespace SessionPolicy.Cli.Commands;

/// <summary>
/// The operator's commands on a running server: <c>logout</c> (ForceLogout), <c>sessions</c> (ListSessions, every page),
/// <c>signal</c> (ReportSignal), <c>tail</c> (SubscribeLogouts, printing events as they arrive), <c>revocations</c>
/// (ListRevocations) and <c>ssm-status</c> (GetSsmStatus). Each needs the permission its RPC needs (admin; subscribe for tail).
/// </summary>
internal static class OperatorCommands
{
    private static readonly Dictionary<string, LogoutReason> Reasons = new(StringComparer.OrdinalIgnoreCase)
    {
        ["admin"] = LogoutReason.Admin, ["idle-timeout"] = LogoutReason.IdleTimeout, ["max-duration"] = LogoutReason.MaxDuration,
        ["policy-changed"] = LogoutReason.PolicyChanged, ["risk-signal"] = LogoutReason.RiskSignal, ["principal-disabled"] = LogoutReason.PrincipalDisabled,
    };

    public static Command Logout(TextWriter output, TextWriter error, Func<Connection, GrpcChannel> connect)
    {
        var options = new ConnectionOptions();
        var session = new Option<string>("--session") { Description = "End this session." };
        var principal = new Option<string>("--principal", "-p") { Description = "End every session of this principal." };
        var role = new Option<string>("--role", "-r") { Description = "End every session of this role (ARN)." };
        var reason = new Option<string>("--reason") { Description = $"Why: {string.Join(", ", Reasons.Keys)} (default admin)." };
        var actor = new Option<string>("--actor") { Description = "Who ends them; default the caller the server authenticated." };
        var detail = new Option<string>("--detail") { Description = "Free text for the record and the subscribers." };
        var command = new Command("logout", "End a session, every session of a principal, or every session of a role, and tell every subscriber.");
        options.AddTo(command);
        foreach (var o in new Option[] { session, principal, role, reason, actor, detail }) command.Options.Add(o);
        command.SetAction((parse, cancel) =>
        {
            var targets = new[] { parse.GetValue(session), parse.GetValue(principal), parse.GetValue(role) }.Count(t => t is not null);
            if (targets != 1) return Fail(error, "name exactly one of --session, --principal and --role");
            var request = new ForceLogoutRequest { Actor = parse.GetValue(actor) ?? "", Detail = parse.GetValue(detail) ?? "" };
            if (parse.GetValue(reason) is { } r)
            {
                if (!Reasons.TryGetValue(r, out var known)) return Fail(error, $"--reason {r}: not one of {string.Join(", ", Reasons.Keys)}");
                request.Reason = known;
            }
            if (parse.GetValue(session) is { } s) request.SessionId = s;
            else if (parse.GetValue(principal) is { } p) request.PrincipalId = p;
            else request.RoleArn = parse.GetValue(role)!;
            return ServerCalls.RunAsync(options, parse, error, connect, async (grpc, headers) =>
            {
                var response = await new SessionEventsService.SessionEventsServiceClient(grpc).ForceLogoutAsync(request, headers, cancellationToken: cancel);
                output.WriteLine(response.SessionIds.Count == 0
                    ? "no running session to end"
                    : $"ended {response.SessionIds.Count} session(s), event {response.EventId}: {string.Join(", ", response.SessionIds)}");
                return 0;
            });
        });
        return command;
    }

    public static Command Sessions(TextWriter output, TextWriter error, Func<Connection, GrpcChannel> connect)
    {
        var options = new ConnectionOptions();
        var principal = new Option<string>("--principal", "-p") { Description = "Only this principal's sessions." };
        var role = new Option<string>("--role", "-r") { Description = "Only this role's sessions (ARN)." };
        var state = new Option<string>("--state") { Description = "Only active or ended sessions." };
        var json = new Option<bool>("--json") { Description = "Print each page as JSON, one per line." };
        var command = new Command("sessions", "List sessions (every page), with their limits and whether they comply with the current policy.");
        options.AddTo(command);
        foreach (var o in new Option[] { principal, role, state, json }) command.Options.Add(o);
        command.SetAction((parse, cancel) =>
        {
            var request = new ListSessionsRequest { PrincipalId = parse.GetValue(principal) ?? "", RoleArn = parse.GetValue(role) ?? "", PageSize = 100 };
            switch (parse.GetValue(state))
            {
                case null: break;
                case "active": request.State = SessionState.Active; break;
                case "ended": request.State = SessionState.Ended; break;
                case var other: return Fail(error, $"--state {other}: not active or ended");
            }
            return ServerCalls.RunAsync(options, parse, error, connect, async (grpc, headers) =>
            {
                var client = new SessionEventsService.SessionEventsServiceClient(grpc);
                if (!parse.GetValue(json)) output.WriteLine($"{"SESSION",-34} {"PRINCIPAL",-20} {"STATE",-7} {"EXPIRES",-21} {"IDLE",6} {"COMPLIANT",-9} ROLE");
                do
                {
                    var page = await client.ListSessionsAsync(request, headers, cancellationToken: cancel);
                    if (parse.GetValue(json)) output.WriteLine(JsonFormatter.Default.Format(page));
                    else foreach (var s in page.Sessions) output.WriteLine(Line(s));
                    request.PageToken = page.NextPageToken;
                } while (request.PageToken.Length > 0);
                return 0;
            });
        });
        return command;
    }

    public static Command Signal(TextWriter output, TextWriter error, Func<Connection, GrpcChannel> connect)
    {
        var options = new ConnectionOptions();
        var principal = new Option<string>("--principal", "-p") { Description = "The principal the signal is about.", Required = true };
        var risk = new Option<int>("--risk") { Description = "Risk score 0..100." };
        var disable = new Option<bool>("--disable") { Description = "Disable the principal: it must sign in again." };
        var ttl = new Option<int>("--ttl") { Description = "Seconds the signal holds; default the server's." };
        var source = new Option<string>("--source") { Description = "Who reports it; default the caller the server authenticated." };
        var detail = new Option<string>("--detail") { Description = "Free text for the record." };
        var command = new Command("signal", "Report a risk signal (or disable a principal); its sessions are decided again and ended where the policy says.");
        options.AddTo(command);
        foreach (var o in new Option[] { principal, risk, disable, ttl, source, detail }) command.Options.Add(o);
        command.SetAction((parse, cancel) => ServerCalls.RunAsync(options, parse, error, connect, async (grpc, headers) =>
        {
            var response = await new SessionEventsService.SessionEventsServiceClient(grpc).ReportSignalAsync(new ReportSignalRequest
            {
                PrincipalId = parse.GetValue(principal)!, RiskScore = parse.GetValue(risk), DisablePrincipal = parse.GetValue(disable),
                TtlSeconds = parse.GetValue(ttl), Source = parse.GetValue(source) ?? "", Detail = parse.GetValue(detail) ?? "",
            }, headers, cancellationToken: cancel);
            output.WriteLine(response.EndedSessionIds.Count == 0
                ? "recorded; no session ended"
                : $"recorded; ended {response.EndedSessionIds.Count} session(s), event {response.EventId}: {string.Join(", ", response.EndedSessionIds)}");
            return 0;
        }));
        return command;
    }

    public static Command Tail(TextWriter output, TextWriter error, Func<Connection, GrpcChannel> connect)
    {
        var options = new ConnectionOptions();
        var audiences = new Option<string[]>("--audience", "-a") { Description = "An audience to hear of (repeatable; at least one).", Required = true };
        var principal = new Option<string>("--principal", "-p") { Description = "Only this principal's endings." };
        var role = new Option<string>("--role", "-r") { Description = "Only this role's endings (ARN)." };
        var cursor = new Option<string>("--cursor") { Description = "Start after this cursor (a line's last field); default from now." };
        var max = new Option<int>("--max-events") { Description = "Stop after this many events; default follow until interrupted." };
        var json = new Option<bool>("--json") { Description = "Print each event as JSON." };
        var command = new Command("tail", "Follow the logout stream, printing each event as it arrives with the cursor to resume from.");
        options.AddTo(command);
        foreach (var o in new Option[] { audiences, principal, role, cursor, max, json }) command.Options.Add(o);
        command.SetAction((parse, cancel) => ServerCalls.RunAsync(options, parse, error, connect, async (grpc, headers) =>
        {
            var request = new SubscribeLogoutsRequest { PrincipalId = parse.GetValue(principal) ?? "", RoleArn = parse.GetValue(role) ?? "", Cursor = parse.GetValue(cursor) ?? "" };
            request.Audiences.Add(parse.GetValue(audiences) ?? []);
            using var call = new SessionEventsService.SessionEventsServiceClient(grpc).SubscribeLogouts(request, headers, cancellationToken: cancel);
            var left = parse.GetValue(max) is > 0 and var n ? n : int.MaxValue;
            try
            {
                while (left > 0 && await call.ResponseStream.MoveNext(cancel))
                {
                    if (call.ResponseStream.Current.Event is not { } e) continue;
                    output.WriteLine(parse.GetValue(json) ? JsonFormatter.Default.Format(e) : Line(e));
                    output.Flush();
                    left--;
                }
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
            }
            return 0;
        }));
        return command;
    }

    public static Command Revocations(TextWriter output, TextWriter error, Func<Connection, GrpcChannel> connect)
    {
        var options = new ConnectionOptions();
        var role = new Option<string>("--role", "-r") { Description = "Only this role (ARN)." };
        var json = new Option<bool>("--json") { Description = "Print the answer as JSON." };
        var command = new Command("revocations", "What the service denies now in each role's inline policy for ended sessions' AWS credentials, and when each entry is removed.");
        options.AddTo(command);
        foreach (var o in new Option[] { role, json }) command.Options.Add(o);
        command.SetAction((parse, cancel) => ServerCalls.RunAsync(options, parse, error, connect, async (grpc, headers) =>
        {
            var response = await new SessionCredentialsService.SessionCredentialsServiceClient(grpc)
                .ListRevocationsAsync(new ListRevocationsRequest { RoleArn = parse.GetValue(role) ?? "" }, headers, cancellationToken: cancel);
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonFormatter.Default.Format(response));
                return 0;
            }
            output.WriteLine($"policy {response.PolicyName}{(response.DryRun ? " (dry run: logged, never written)" : "")}");
            if (response.Roles.Count == 0) output.WriteLine("nothing denied");
            foreach (var r in response.Roles)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{r.RoleArn}  {StateName(r.State)}{(r.WrittenAt is { } at ? $" {at.ToDateTimeOffset():u}" : "")}  {r.Characters} characters{(r.FellBack ? "  fell back to the role-wide deny" : "")}{(r.ForeignStatements > 0 ? $"  {r.ForeignStatements} statement(s) not the service's" : "")}"));
                if (r.LastError.Length > 0) output.WriteLine($"  last error: {r.LastError}");
                output.WriteLine($"  {"KIND",-9} {"SUBJECT",-36} {"ISSUED BEFORE",-20} REMOVED AT");
                foreach (var e in r.Entries)
                {
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  {e.Kind,-9} {(e.Subject.Length > 0 ? e.Subject : "(every session)"),-36} {(e.IssuedBefore is { } b ? b.ToDateTimeOffset().ToString("u", CultureInfo.InvariantCulture) : "-"),-20} {e.RemovedAt.ToDateTimeOffset():u}"));
                }
            }
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// The standard gRPC health check (grpc.health.v1.Health/Check) of one service name: exit 0 when it is SERVING, 1
    /// when it is not (or unknown), as a probe or a Helm test expects. The health service needs no permission.
    /// </summary>
    public static Command Health(TextWriter output, TextWriter error, Func<Connection, GrpcChannel> connect)
    {
        var options = new ConnectionOptions();
        var service = new Option<string>("--service") { Description = "The health service name: readiness, liveness, redis, or empty for the whole server.", DefaultValueFactory = _ => "readiness" };
        var command = new Command("health", "Ask a running server's health (grpc.health.v1): exit 0 when the named service is serving.");
        options.AddTo(command);
        command.Options.Add(service);
        command.SetAction((parse, cancel) => ServerCalls.RunAsync(options, parse, error, connect, async (grpc, headers) =>
        {
            var name = parse.GetValue(service) ?? "";
            var response = await new global::Grpc.Health.V1.Health.HealthClient(grpc).CheckAsync(new global::Grpc.Health.V1.HealthCheckRequest { Service = name }, headers, cancellationToken: cancel);
            var serving = response.Status == global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving;
            output.WriteLine($"{(name.Length == 0 ? "server" : name)}: {response.Status.ToString().ToUpperInvariant()}");
            return serving ? 0 : 1;
        }));
        return command;
    }

    public static Command SsmStatus(TextWriter output, TextWriter error, Func<Connection, GrpcChannel> connect)
    {
        var options = new ConnectionOptions();
        var json = new Option<bool>("--json") { Description = "Print the answer as JSON." };
        var command = new Command("ssm-status", "How Session Manager follows the policy in each configured region: preferences in sync or drifted, sessions running within and beyond the policy.");
        options.AddTo(command);
        command.Options.Add(json);
        command.SetAction((parse, cancel) => ServerCalls.RunAsync(options, parse, error, connect, async (grpc, headers) =>
        {
            var response = await new SessionManagerService.SessionManagerServiceClient(grpc).GetSsmStatusAsync(new GetSsmStatusRequest(), headers, cancellationToken: cancel);
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonFormatter.Default.Format(response));
                return 0;
            }
            output.WriteLine($"{"REGION",-16} {"ENVIRONMENT",-14} {"PREFERENCES",-11} {"IDLE",4} {"MAX",5} {"ACTIVE",6} {"OVER",5} CHECKED");
            foreach (var r in response.Regions)
            {
                var state = r.Preferences switch
                {
                    SsmPreferencesState.InSync => "in-sync",
                    SsmPreferencesState.Drifted => "drifted",
                    SsmPreferencesState.Failing => "failing",
                    _ => "unchecked",
                };
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{(r.Account.Length > 0 ? $"{r.Account}/{r.Region}" : r.Region),-16} {r.Environment,-14} {state,-11} {r.IdleMinutes,4} {r.MaxMinutes,5} {r.ActiveSessions,6} {r.OverLimitSessions,5} {(r.CheckedAt is { } c ? c.ToDateTimeOffset().ToString("u", CultureInfo.InvariantCulture) : "-")}{(r.LastError.Length > 0 ? $"  {r.LastError}" : "")}"));
            }
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fleet coverage: {response.FleetCoverage * 100:0.0}% of {response.Regions.Count} regions match the policy"));
            return 0;
        }));
        return command;
    }

    private static string StateName(RevocationState state) => state switch
    {
        RevocationState.Written => "written",
        RevocationState.DryRun => "dry-run",
        _ => "pending",
    };

    private static string Line(SessionInfo s) => string.Create(CultureInfo.InvariantCulture,
        $"{s.SessionId,-34} {s.PrincipalId,-20} {(s.State == SessionState.Active ? "active" : "ended"),-7} {s.ExpiresAt.ToDateTimeOffset():u} {s.IdleTimeoutSeconds,6} {(s.Compliant ? "yes" : "no"),-9} {s.RoleArn}");

    private static string Line(LogoutEvent e) => string.Create(CultureInfo.InvariantCulture,
        $"{e.OccurredAt.ToDateTimeOffset():u} {ReasonName(e.Reason)} by {e.Actor}: {string.Join(",", e.SessionIds)}{(e.PrincipalId.Length > 0 ? $" of {e.PrincipalId}" : "")}{(e.Detail.Length > 0 ? $" ({e.Detail})" : "")} event {e.EventId} cursor {e.Cursor}");

    private static string ReasonName(LogoutReason reason) => Reasons.FirstOrDefault(r => r.Value == reason).Key ?? reason.ToString();

    private static Task<int> Fail(TextWriter error, string message)
    {
        error.WriteLine(message);
        return Task.FromResult(PolicyCtl.InputError);
    }
}

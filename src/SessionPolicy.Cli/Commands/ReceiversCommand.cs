using System.CommandLine;
using System.Globalization;
using Grpc.Net.Client;
using SessionPolicy.V1;

namespace SessionPolicy.Cli.Commands;

/// <summary>
/// <c>policyctl receivers</c>: each receiver a running server delivers logouts to, and where delivery stands (ListReceivers):
/// a table, or JSON with <c>--json</c>; <c>receivers register</c> and <c>receivers remove</c> add and remove one
/// (RegisterReceiver, RemoveReceiver). Each needs the admin permission. An authorization header is read from a file, so
/// it never appears in a command line, a shell history or a process list.
/// </summary>
internal static class ReceiversCommand
{
    public static Command Create(TextWriter output, TextWriter error, Func<Connection, GrpcChannel> connect)
    {
        var options = new ConnectionOptions();
        var json = new Option<bool>("--json") { Description = "Print the answer as JSON." };
        var command = new Command("receivers", "Show the receivers of logouts (OIDC Back-Channel Logout, Shared Signals) and how far behind each is.");
        options.AddTo(command);
        command.Options.Add(json);
        command.SetAction((parse, cancel) => ServerCalls.RunAsync(options, parse, error, connect, async (grpc, headers) =>
        {
            var response = await new SessionReceiversService.SessionReceiversServiceClient(grpc).ListReceiversAsync(new ListReceiversRequest(), headers, cancellationToken: cancel);
            if (parse.GetValue(json)) output.WriteLine(Google.Protobuf.JsonFormatter.Default.Format(response));
            else Print(response, output);
            return 0;
        }));
        command.Subcommands.Add(Register(output, error, connect));
        command.Subcommands.Add(Remove(output, error, connect));
        return command;
    }

    private static Command Register(TextWriter output, TextWriter error, Func<Connection, GrpcChannel> connect)
    {
        var options = new ConnectionOptions();
        var name = new Option<string>("--name") { Description = "Its name: 1 to 64 of a-z, 0-9 and '-'.", Required = true };
        var kind = new Option<string>("--kind") { Description = "oidc-backchannel, ssf-push or ssf-poll.", Required = true };
        var url = new Option<string>("--url") { Description = "Where deliveries are POSTed (push kinds): https." };
        var audiences = new Option<string[]>("--audience", "-a") { Description = "An audience (client id) whose sessions it hears of; repeat for more.", Required = true, AllowMultipleArgumentsPerToken = false };
        var principals = new Option<string[]>("--principal", "-p") { Description = "Only this principal's sessions; repeat for more." };
        var format = new Option<string>("--subject-format") { Description = "For Shared Signals kinds: opaque (default), iss_sub or email." };
        var header = new Option<FileInfo>("--authorization-header-file") { Description = "A file holding the Authorization header value sent with each push." };
        var command = new Command("register", "Register a receiver: it hears of the sessions that end from now on.");
        options.AddTo(command);
        foreach (var o in new Option[] { name, kind, url, audiences, principals, format, header }) command.Options.Add(o);
        command.SetAction((parse, cancel) =>
        {
            var request = new RegisterReceiverRequest
            {
                Name = parse.GetValue(name)!, Kind = parse.GetValue(kind)!, Url = parse.GetValue(url) ?? "", SubjectFormat = parse.GetValue(format) ?? "",
                Audiences = { parse.GetValue(audiences) ?? [] }, Principals = { parse.GetValue(principals) ?? [] },
            };
            if (parse.GetValue(header) is { } file)
            {
                try
                {
                    request.AuthorizationHeader = File.ReadAllText(file.FullName).Trim();
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    error.WriteLine($"--authorization-header-file {file}: does not read ({e.GetType().Name})");
                    return Task.FromResult(PolicyCtl.InputError);
                }
            }
            return ServerCalls.RunAsync(options, parse, error, connect, async (grpc, headers) =>
            {
                var r = (await new SessionReceiversService.SessionReceiversServiceClient(grpc).RegisterReceiverAsync(request, headers, cancellationToken: cancel)).Receiver;
                output.WriteLine($"registered {r.Name} ({r.Kind}) at {r.Url} for {string.Join(", ", r.Audiences)}{(r.HasAuthorization ? ", with an authorization header" : "")}");
                return 0;
            });
        });
        return command;
    }

    private static Command Remove(TextWriter output, TextWriter error, Func<Connection, GrpcChannel> connect)
    {
        var options = new ConnectionOptions();
        var name = new Argument<string>("name") { Description = "The registered receiver to remove." };
        var command = new Command("remove", "Remove a registered receiver and its cursor.");
        options.AddTo(command);
        command.Arguments.Add(name);
        command.SetAction((parse, cancel) => ServerCalls.RunAsync(options, parse, error, connect, async (grpc, headers) =>
        {
            await new SessionReceiversService.SessionReceiversServiceClient(grpc).RemoveReceiverAsync(new RemoveReceiverRequest { Name = parse.GetValue(name)! }, headers, cancellationToken: cancel);
            output.WriteLine($"removed {parse.GetValue(name)}");
            return 0;
        }));
        return command;
    }

    private static void Print(ListReceiversResponse response, TextWriter output)
    {
        if (response.Receivers.Count == 0)
        {
            output.WriteLine("no receivers (configure SessionPolicy:Receivers:List, or register one with policyctl receivers register)");
            return;
        }
        static string At(Google.Protobuf.WellKnownTypes.Timestamp? t) => t is null ? "-" : t.ToDateTimeOffset().ToString("u", CultureInfo.InvariantCulture);
        output.WriteLine($"{"NAME",-20} {"KIND",-17} {"LAG",8} {"LAG S",7} {"DELIVERED",10} {"FAILED",7} {"LAST SUCCESS",-21} LAST ERROR");
        foreach (var r in response.Receivers)
        {
            var lag = r.LagEvents >= r.LagEventsLimit ? $"{r.LagEvents}+" : r.LagEvents.ToString(CultureInfo.InvariantCulture);
            var lastError = r.LastError.Length == 0 ? "-" : $"{At(r.LastErrorAt)} {r.LastError}";
            output.WriteLine($"{r.Name,-20} {r.Kind,-17} {lag,8} {r.LagSeconds,7} {r.Delivered,10} {r.Failed,7} {At(r.LastSuccess),-21} {lastError}");
            var status = r.Status is "" or "enabled" ? "" : $", {r.Status}";
            output.WriteLine($"  {r.Url} for {string.Join(", ", r.Audiences)}{(r.HasAuthorization ? ", with an authorization header" : "")}; from {r.Source}{status}; cursor {(r.Cursor.Length == 0 ? "-" : r.Cursor)}");
        }
    }
}

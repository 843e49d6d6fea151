using System.CommandLine;
using System.Globalization;
using Grpc.Net.Client;
using SessionPolicy.V1;

namespace SessionPolicy.Cli.Commands;

/// <summary>
/// <c>policyctl receivers</c>: each receiver a running server delivers logouts to, and where delivery stands (ListReceivers):
/// a table, or JSON with <c>--json</c>. Needs the admin permission.
/// </summary>
internal static class ReceiversCommand
{
    public static Command Create(TextWriter output, TextWriter error, Func<Connection, GrpcChannel> connect)
    {
        var options = new ConnectionOptions();
        var json = new Option<bool>("--json") { Description = "Print the answer as JSON." };
        var command = new Command("receivers", "Show the receivers of logouts (OIDC Back-Channel Logout) and how far behind each is.");
        options.AddTo(command);
        command.Options.Add(json);
        command.SetAction((parse, cancel) => ServerCalls.RunAsync(options, parse, error, connect, async (grpc, headers) =>
        {
            var response = await new SessionReceiversService.SessionReceiversServiceClient(grpc).ListReceiversAsync(new ListReceiversRequest(), headers, cancellationToken: cancel);
            if (parse.GetValue(json)) output.WriteLine(Google.Protobuf.JsonFormatter.Default.Format(response));
            else Print(response, output);
            return 0;
        }));
        return command;
    }

    private static void Print(ListReceiversResponse response, TextWriter output)
    {
        if (response.Receivers.Count == 0)
        {
            output.WriteLine("no receivers configured (SessionPolicy:Receivers:List)");
            return;
        }
        static string At(Google.Protobuf.WellKnownTypes.Timestamp? t) => t is null ? "-" : t.ToDateTimeOffset().ToString("u", CultureInfo.InvariantCulture);
        output.WriteLine($"{"NAME",-20} {"KIND",-17} {"LAG",8} {"LAG S",7} {"DELIVERED",10} {"FAILED",7} {"LAST SUCCESS",-21} LAST ERROR");
        foreach (var r in response.Receivers)
        {
            var lag = r.LagEvents >= r.LagEventsLimit ? $"{r.LagEvents}+" : r.LagEvents.ToString(CultureInfo.InvariantCulture);
            var lastError = r.LastError.Length == 0 ? "-" : $"{At(r.LastErrorAt)} {r.LastError}";
            output.WriteLine($"{r.Name,-20} {r.Kind,-17} {lag,8} {r.LagSeconds,7} {r.Delivered,10} {r.Failed,7} {At(r.LastSuccess),-21} {lastError}");
            output.WriteLine($"  {r.Url} for {string.Join(", ", r.Audiences)}{(r.HasAuthorization ? ", with an authorization header" : "")}; cursor {(r.Cursor.Length == 0 ? "-" : r.Cursor)}");
        }
    }
}

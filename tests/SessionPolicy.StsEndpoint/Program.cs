using System.Globalization;

namespace SessionPolicy.StsEndpoint;

/// <summary>
/// Runs the endpoint alone, for load tests:
/// <c>SessionPolicy.StsEndpoint --port 0 --caller AKID:SECRET:ARN --role ARN[:MAX_SECONDS] ...</c>,
/// printing "listening on URL" once it serves.
/// </summary>
internal static class EndpointProgram
{
    public static async Task<int> Main(string[] args)
    {
        var port = 0;
        var callers = new List<StsCaller>();
        var roles = new List<StsRole>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--port": port = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--caller":
                    var c = args[++i].Split(':', 3);
                    callers.Add(new StsCaller(c[0], c[1], c[2]));
                    break;
                case "--role":
                    var r = args[++i];
                    var cut = r.LastIndexOf(':');
                    roles.Add(int.TryParse(r[(cut + 1)..], out var max) ? new StsRole(r[..cut], max) : new StsRole(r));
                    break;
                default:
                    Console.Error.WriteLine("usage: SessionPolicy.StsEndpoint [--port N] --caller AKID:SECRET:ARN --role ROLE_ARN[:MAX_SECONDS] ...");
                    return 2;
            }
        }
        var endpoint = await StsEndpoint.StartAsync(port);
        foreach (var c in callers) endpoint.AddCaller(c);
        foreach (var r in roles) endpoint.AddRole(r);
        Console.WriteLine($"listening on {endpoint.Url}");
        var stop = new TaskCompletionSource();
        // SIGTERM (what the load-test scripts send on exit) and Ctrl+C both stop it.
        using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
        using var interrupt = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
        await stop.Task;
        await endpoint.DisposeAsync();
        return 0;
    }
}

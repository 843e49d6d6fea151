using SessionPolicy.Server.Hosting;
using SessionPolicy.Server.Telemetry;

try
{
    // Settings ship beside the binary, so the service behaves the same whatever directory it starts in.
    var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
    builder.AddSessionPolicy();
    builder.AddSessionPolicyTelemetry();
    var app = builder.Build();
    app.StartSessionPolicy().MapSessionPolicy().Run();
    return 0;
}
catch (Exception e) when (typeof(Program).Assembly == System.Reflection.Assembly.GetEntryAssembly() && StartupFailure.Describe(e) is var (message, code))
{
    // A setting or a file to fix: one clear message and a documented exit code, no stack trace.
    Console.Error.WriteLine($"session-policy: cannot start: {message}");
    return code;
}

/// <summary>The host entry point; public so functional tests can start it in process.</summary>
public partial class Program;

using SessionPolicy.Server.Hosting;
using SessionPolicy.Server.Telemetry;

// Settings ship beside the binary, so the service behaves the same whatever directory it starts in.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddSessionPolicy();
builder.AddSessionPolicyTelemetry();

var app = builder.Build();
app.MapSessionPolicy();
app.Run();

/// <summary>The host entry point; public so functional tests can start it in process.</summary>
public partial class Program;

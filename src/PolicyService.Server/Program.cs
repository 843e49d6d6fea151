using SessionPolicy.Server.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddSessionPolicy();

var app = builder.Build();
app.MapSessionPolicy();
app.Run();

/// <summary>The host entry point; public so functional tests can start it in process.</summary>
public partial class Program;

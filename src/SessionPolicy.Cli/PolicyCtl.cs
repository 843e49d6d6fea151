using System.CommandLine;
using Grpc.Net.Client;
using SessionPolicy.Cli.Commands;

namespace SessionPolicy.Cli;

/// <summary>The command line: <c>validate</c>, <c>test</c>, <c>report</c>, <c>ssm-preferences</c>, <c>decide</c>, <c>explain</c>, <c>credential-process</c>, and the operator's <c>logout</c>, <c>sessions</c>, <c>signal</c>, <c>tail</c>, <c>revocations</c>, <c>ssm-status</c> and <c>receivers</c>.</summary>
internal static class PolicyCtl
{
    /// <summary>Exit code for a policy or case that fails.</summary>
    public const int Failed = 1;

    /// <summary>Exit code for input that could not be read or a server that could not be reached.</summary>
    public const int InputError = 2;

    /// <summary>Runs the command line; <paramref name="channel"/> lets tests supply the connection to a server.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, Func<Connection, GrpcChannel>? channel = null)
    {
        var root = new RootCommand("policyctl: validate and test session policies, and ask a running Session Policy Service for decisions.");
        root.Subcommands.Add(ValidateCommand.Create(output, error));
        root.Subcommands.Add(TestCommand.Create(output, error));
        root.Subcommands.Add(Report.ReportCommand.Create(output, error));
        root.Subcommands.Add(SsmPreferencesCommand.Create(output, error));
        var connect = channel ?? (connection => connection.Open());
        root.Subcommands.Add(DecideCommand.Create("decide", "Ask a running server for a decision.", explain: false, output, error, connect));
        root.Subcommands.Add(DecideCommand.Create("explain", "Ask a running server for a decision with its evaluation trace.", explain: true, output, error, connect));
        root.Subcommands.Add(CredentialProcessCommand.Create(output, error, connect));
        root.Subcommands.Add(ReceiversCommand.Create(output, error, connect));
        root.Subcommands.Add(OperatorCommands.Logout(output, error, connect));
        root.Subcommands.Add(OperatorCommands.Sessions(output, error, connect));
        root.Subcommands.Add(OperatorCommands.Signal(output, error, connect));
        root.Subcommands.Add(OperatorCommands.Tail(output, error, connect));
        root.Subcommands.Add(OperatorCommands.Revocations(output, error, connect));
        root.Subcommands.Add(OperatorCommands.SsmStatus(output, error, connect));
        root.Subcommands.Add(OperatorCommands.Health(output, error, connect));
        return root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
    }
}

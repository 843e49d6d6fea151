using SessionPolicy.Cli;

return await PolicyCtl.RunAsync(args, Console.Out, Console.Error);

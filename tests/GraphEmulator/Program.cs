using System.Globalization;
using OnedriveOffsite.GraphEmulator.Faults;

namespace OnedriveOffsite.GraphEmulator;

/// <summary>Standalone entry point (Pester tests, manual runs); see README.md.</summary>
internal static class Program
{
    private const string Usage = """
        Usage: GraphEmulator [--port N] [--page-size N] [--fault-rate R] [--fault-kinds all|429,503,...]
                             [--seed N] [--retry-after S] [--token T] [--storage DIR] [--app-name NAME]
                             [--capacity BYTES] [--download-url-lifetime SECONDS] [--no-stdin]
                             [--identity CERT.pem [--identity-port N]]
        Prints "GraphEmulator listening on http://127.0.0.1:NNNN/" when ready, then with --identity
        "GraphEmulator identity authority on https://127.0.0.1:MMMM/".
        Exits on stdin EOF (unless --no-stdin), SIGTERM or Ctrl+C.
        """;

    public static async Task<int> Main(string[] args)
    {
        EmulatorOptions options;
        bool watchStdin;
        try
        {
            (options, watchStdin) = Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            await Console.Error.WriteLineAsync(e.Message);
            await Console.Error.WriteLineAsync(Usage);
            return 2;
        }
        if (options is null) { Console.WriteLine(Usage); return 0; }

        await using var server = await GraphEmulatorServer.StartAsync(options, useConsoleLifetime: true, default);
        Console.WriteLine($"GraphEmulator listening on {server.BaseUri}");
        if (server.IdentityUri is { } identity) Console.WriteLine($"GraphEmulator identity authority on {identity}");
        Console.Out.Flush();

        var shutdown = server.WaitForShutdownAsync();
        if (watchStdin)
        {
            var stdinClosed = Task.Run(async () =>
            {
                var buffer = new char[256];
                while (await Console.In.ReadAsync(buffer) > 0) { }
            });
            await Task.WhenAny(shutdown, stdinClosed);
        }
        else
        {
            await shutdown;
        }
        return 0;
    }

    private static (EmulatorOptions Options, bool WatchStdin) Parse(string[] args)
    {
        int port = 0, pageSize = 5, seed = 1, retryAfter = 1, identityPort = 0;
        string? identityCertificate = null;
        double rate = 0;
        long? capacity = null;
        double? downloadLifetime = null;
        IReadOnlyCollection<FaultKind> kinds = [];
        string? storage = null, appName = null;
        var tokens = new List<string>();
        bool watchStdin = true;

        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--port": port = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--page-size": pageSize = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--fault-rate": rate = double.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--fault-kinds": kinds = FaultKindNames.Parse(Value()); break;
                case "--seed": seed = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--retry-after": retryAfter = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--token": tokens.Add(Value()); break;
                case "--storage": storage = Value(); break;
                case "--app-name": appName = Value(); break;
                case "--capacity": capacity = long.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--download-url-lifetime": downloadLifetime = double.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--no-stdin": watchStdin = false; break;
                case "--identity": identityCertificate = Value(); break;
                case "--identity-port": identityPort = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--help" or "-h": return (null!, false);
                default: throw new ArgumentException($"Unknown argument '{args[i]}'.");
            }
        }
        if (rate is < 0 or > 1) throw new ArgumentException("--fault-rate must be between 0 and 1.");
        if (pageSize < 1) throw new ArgumentException("--page-size must be at least 1.");
        var defaults = new EmulatorOptions();
        return (new EmulatorOptions
        {
            Port = port,
            PageSize = pageSize,
            FaultRate = rate,
            FaultKinds = kinds,
            FaultSeed = seed,
            RetryAfterSeconds = retryAfter,
            AcceptedTokens = tokens,
            StorageDirectory = storage,
            AppName = appName ?? defaults.AppName,
            DriveCapacityBytes = capacity ?? defaults.DriveCapacityBytes,
            DownloadUrlLifetime = downloadLifetime is { } s ? TimeSpan.FromSeconds(s) : defaults.DownloadUrlLifetime,
            IdentityCertificatePath = identityCertificate,
            IdentityPort = identityPort,
        }, watchStdin);
    }
}

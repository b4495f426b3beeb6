using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Andon.Bench;

/// <summary>
/// A server under test, started by the bench as a real process on a free loopback port: Andon
/// standalone (from its Release build, data in a temporary folder), B0 (Node ws) or B1 (bare
/// Kestrel). Reads the process's memory and CPU time from /proc.
/// </summary>
internal sealed class Server : IAsyncDisposable
{
    public const int BenchUsers = 500;
    private readonly Process process;
    private readonly string? dataFolder;
    private readonly StreamWriter log;

    private Server(string name, Process process, Uri url, string? dataFolder, StreamWriter log)
    {
        Name = name;
        this.process = process;
        Url = url;
        this.dataFolder = dataFolder;
        this.log = log;
    }

    public string Name { get; }

    public Uri Url { get; }

    public int Pid => process.Id;

    public string? DataFolder => dataFolder;

    public static string Root { get; } = FindRoot();

    private static readonly List<Process> Running = [];

    static Server()
    {
        // A bench stopped by a signal still ends the servers it started.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            lock (Running)
            {
                foreach (var p in Running)
                {
                    try
                    {
                        p.Kill(entireProcessTree: true);
                    }
                    catch (InvalidOperationException)
                    {
                        // already gone
                    }
                }
            }
        };
    }

    public static string UserId(int i) => $"bench{i}@andon.local";

    public static async Task<Server> StandaloneAsync(IDictionary<string, string>? extra = null)
    {
        var data = Directory.CreateTempSubdirectory("andon-bench-").FullName;
        var env = new Dictionary<string, string>
        {
            ["ConnectionStrings__Identity"] = $"Data Source={data}/identity.db",
            ["ConnectionStrings__Rooms"] = $"Data Source={data}/rooms.db",
            ["ConnectionStrings__Messaging"] = $"Data Source={data}/messaging.db",
            ["ConnectionStrings__Files"] = $"Data Source={data}/files.db",
            ["Files__DiskPath"] = $"{data}/objects",
            ["Identity__KeysPath"] = $"{data}/keys/identity",
            ["Gateway__KeysPath"] = $"{data}/keys/gateway",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        // Bench users beside the five development accounts (indexes 0-4 of appsettings.json).
        for (var i = 0; i < BenchUsers; i++)
        {
            var at = (i + 5).ToString(CultureInfo.InvariantCulture);
            env[$"Directory__Static__Users__{at}__UserId"] = UserId(i);
            env[$"Directory__Static__Users__{at}__Password"] = "andon-dev";
            env[$"Directory__Static__Users__{at}__DisplayName"] = $"測試員 {i}";
        }

        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            env[key] = value;
        }

        // BENCH_ANDON_ENV="KEY=value;KEY2=value" sets more variables for Andon only (an A/B of a runtime setting).
        foreach (var pair in (Environment.GetEnvironmentVariable("BENCH_ANDON_ENV") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = pair.Split('=', 2);
            env[parts[0]] = parts.ElementAtOrDefault(1) ?? "";
        }

        return await StartDotnetAsync("andon", "standalone/Andon.Standalone", env, data);
    }

    public static Task<Server> B1Async() => StartDotnetAsync("B1", "bench/Andon.Bench.Baseline", new Dictionary<string, string>(), null);

    public static async Task<Server> B0Async()
    {
        var port = FreePort();
        var folder = Path.Combine(Root, "bench/baselines/node-ws");
        var start = new ProcessStartInfo("node") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("server.js");
        start.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
        return await LaunchAsync("B0", start, new Uri($"http://127.0.0.1:{port}"), null);
    }

    /// <summary>Any host of the solution, from its Release output.</summary>
    public static async Task<Server> StartDotnetAsync(string name, string project, IDictionary<string, string> env, string? data, int? port = null)
    {
        var url = new Uri($"http://127.0.0.1:{port ?? FreePort()}");
        var output = Path.Combine(Root, project, "bin/Release/net10.0");
        var dll = Path.Combine(output, Path.GetFileName(project) + ".dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is not built: dotnet build Andon.slnx -c Release");
        }

        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = output, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        start.Environment["ASPNETCORE_URLS"] = url.ToString().TrimEnd('/');
        start.Environment["Urls"] = url.ToString().TrimEnd('/');
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in env)
        {
            start.Environment[key] = value;
        }

        return await LaunchAsync(name, start, url, data);
    }

    private static async Task<Server> LaunchAsync(string name, ProcessStartInfo start, Uri url, string? data)
    {
        start.UseShellExecute = false;
        var logPath = Path.Combine(Path.GetTempPath(), $"andon-bench-{name}-{url.Port}.log");
        var log = new StreamWriter(logPath) { AutoFlush = true };
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{name} did not start");
        lock (Running)
        {
            Running.Add(process);
        }

        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new Server(name, process, url, data, log);
        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{name} exited with {process.ExitCode}; see {logPath}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Console.WriteLine($"  {name} ready at {url} (pid {process.Id}, log {logPath})");
                    return server;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }

            await Task.Delay(250);
        }

        await server.DisposeAsync();
        throw new TimeoutException($"{name} was not ready at {url}; see {logPath}");
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.WriteLine(line);
        }
    }

    /// <summary>Waits (at most 30 s) until the server uses under a tenth of a core, so that a run does not start on the previous run's backlog.</summary>
    public async Task SettleAsync()
    {
        for (var i = 0; i < 60; i++)
        {
            var before = CpuSeconds();
            await Task.Delay(500);
            if (CpuSeconds() - before < 0.05)
            {
                return;
            }
        }
    }

    /// <summary>Resident memory of the server process, in bytes.</summary>
    public long RssBytes() => ProcStat.RssBytes(process.Id);

    /// <summary>User + system CPU time of the server process, in seconds.</summary>
    public double CpuSeconds() => ProcStat.CpuSeconds(process.Id);

    public async ValueTask DisposeAsync()
    {
        lock (Running)
        {
            Running.Remove(process);
        }

        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
        lock (log)
        {
            log.Dispose();
        }

        if (dataFolder is not null)
        {
            try
            {
                Directory.Delete(dataFolder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            var folder = new DirectoryInfo(start);
            while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Andon.slnx")))
            {
                folder = folder.Parent;
            }

            if (folder is not null)
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("Andon.slnx not found");
    }
}

/// <summary>Readings from /proc (Linux): memory and CPU time of a process, load average.</summary>
internal static class ProcStat
{
    public static long RssBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(6).Trim().ToString().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state); utime is field 14, stime field 15; clock ticks of 1/100 s.
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    public static string LoadAverage() => File.ReadAllText("/proc/loadavg").Trim();

    public static double SelfCpuSeconds() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
}

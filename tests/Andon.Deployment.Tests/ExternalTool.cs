using System.ComponentModel;
using System.Diagnostics;

namespace Andon.Deployment.Tests;

/// <summary>What a command-line tool printed and returned.</summary>
public sealed record ToolResult(int ExitCode, string StandardOutput, string StandardError)
{
    public string Describe(string command) =>
        $"`{command}` exited with {ExitCode}.\n--- stdout ---\n{StandardOutput}\n--- stderr ---\n{StandardError}";
}

/// <summary>
/// Runs a tool the deployment checks need (kubectl, yamllint). A missing tool fails the test with
/// what to install: these checks are never skipped.
/// </summary>
public static class ExternalTool
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    public static async Task<ToolResult> RunAsync(string tool, string installHint, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool)
        {
            WorkingDirectory = Repository.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start.");
        }
        catch (Win32Exception ex)
        {
            Assert.Fail($"`{tool}` is not installed or not on PATH ({ex.Message}). Install it: {installHint}");
            throw; // not reached
        }

        using (process)
        {
            using var cancel = new CancellationTokenSource(Timeout);
            var output = process.StandardOutput.ReadToEndAsync(cancel.Token);
            var error = process.StandardError.ReadToEndAsync(cancel.Token);
            try
            {
                await process.WaitForExitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"`{tool} {string.Join(' ', arguments)}` did not finish within {Timeout.TotalSeconds} s.");
            }

            return new ToolResult(process.ExitCode, await output, await error);
        }
    }
}

using System.Xml.Linq;

namespace Andon.Deployment.Tests;

/// <summary>
/// The hosts' Dockerfiles, checked without a Docker engine: what they copy exists and covers every
/// project the host references, and the runtime image is the expected non-root one.
/// </summary>
public sealed class DockerfileTests
{
    public static TheoryData<string> Hosts => new()
    {
        "services/identity/Andon.Identity.Api/Andon.Identity.Api.csproj",
        "services/rooms/Andon.Rooms.Api/Andon.Rooms.Api.csproj",
        "services/messaging/Andon.Messaging.Api/Andon.Messaging.Api.csproj",
        "services/files/Andon.Files.Api/Andon.Files.Api.csproj",
        "gateway/Andon.Gateway.Api/Andon.Gateway.Api.csproj",
        "standalone/Andon.Standalone/Andon.Standalone.csproj",
    };

    [Theory]
    [MemberData(nameof(Hosts))]
    public void Builds_with_the_sdk_and_runs_on_aspnet_as_the_app_user(string project)
    {
        var instructions = Instructions(project);
        var from = instructions.Where(i => i.Keyword == "FROM").Select(i => i.Arguments).ToList();

        Assert.Contains(from, f => f.StartsWith("mcr.microsoft.com/dotnet/sdk:10.0", StringComparison.Ordinal));
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:10.0", from[^1], StringComparison.Ordinal);
        Assert.Equal("$APP_UID", instructions.Last(i => i.Keyword == "USER").Arguments);
        Assert.Contains(instructions, i => i.Keyword == "EXPOSE" && i.Arguments == "8080");
        Assert.Contains(instructions, i => i.Keyword == "ENV" && i.Arguments.Contains("ASPNETCORE_HTTP_PORTS=8080", StringComparison.Ordinal));
        Assert.Contains(instructions, i => i.Keyword == "HEALTHCHECK" && i.Arguments.Contains("/health/live", StringComparison.Ordinal));
        Assert.Contains(instructions, i => i.Keyword == "RUN" && i.Arguments.Contains($"dotnet publish {project}", StringComparison.Ordinal) && i.Arguments.Contains("-o /app", StringComparison.Ordinal));

        var assembly = XDocument.Load(Repository.PathOf(project)).Descendants("AssemblyName").FirstOrDefault()?.Value
            ?? Path.GetFileNameWithoutExtension(project);
        Assert.Equal($"[\"dotnet\", \"{assembly}.dll\"]", instructions.Last(i => i.Keyword == "ENTRYPOINT").Arguments);
    }

    [Theory]
    [MemberData(nameof(Hosts))]
    public void Copies_the_build_settings_and_every_referenced_project(string project)
    {
        var sources = Instructions(project)
            .Where(i => i.Keyword == "COPY" && !i.Arguments.Contains("--from=", StringComparison.Ordinal))
            .SelectMany(i => CopySources(i.Arguments))
            .ToList();

        var missing = sources.Where(s => !File.Exists(Repository.PathOf(s)) && !Directory.Exists(Repository.PathOf(s))).ToList();
        Assert.True(missing.Count == 0, $"COPY sources that do not exist: {string.Join(", ", missing)}");
        foreach (var file in new[] { "global.json", "Directory.Build.props", "Directory.Packages.props", ".editorconfig" })
        {
            Assert.Contains(file, sources);
        }

        var folders = sources.Where(s => Directory.Exists(Repository.PathOf(s))).Select(s => s.TrimEnd('/') + "/").ToList();
        var uncovered = ProjectClosure(Repository.PathOf(project))
            .Select(p => Repository.Relative(Path.GetDirectoryName(p)!) + "/")
            .Where(dir => !folders.Any(f => f == "./" || dir.StartsWith(f, StringComparison.Ordinal)))
            .ToList();
        Assert.True(uncovered.Count == 0, $"{project} builds from projects its Dockerfile does not copy: {string.Join(", ", uncovered)}");
    }

    [Theory]
    [MemberData(nameof(Hosts))]
    public void Holds_no_secret(string project)
    {
        var settings = Instructions(project).Where(i => i.Keyword is "ENV" or "ARG").Select(i => i.Arguments).ToList();

        Assert.DoesNotContain(settings, s => s.Contains("PASSWORD", StringComparison.OrdinalIgnoreCase)
            || s.Contains("SECRET", StringComparison.OrdinalIgnoreCase)
            || s.Contains("ConnectionStrings", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Identity_image_has_the_ldap_client_library()
    {
        var identity = Instructions("services/identity/Andon.Identity.Api/Andon.Identity.Api.csproj");
        var lastFrom = identity.FindLastIndex(i => i.Keyword == "FROM");
        var user = identity.FindLastIndex(i => i.Keyword == "USER");

        var install = identity.FindIndex(lastFrom, i => i.Keyword == "RUN" && i.Arguments.Contains("apt-get install", StringComparison.Ordinal) && i.Arguments.Contains("libldap", StringComparison.Ordinal));
        Assert.True(install > lastFrom && install < user, "the runtime stage installs libldap before switching to the app user");
    }

    [Fact]
    public void Build_context_leaves_out_outputs_and_local_state()
    {
        var ignored = Repository.ReadAllText(".dockerignore").Split('\n').Select(l => l.Trim()).ToList();

        foreach (var entry in new[] { "bin/", "obj/", "data/", "node_modules/", "TestResults/" })
        {
            Assert.Contains(ignored, l => l == entry || l == "**/" + entry);
        }

        Assert.Contains(".git", ignored);
    }

    [Fact]
    public void Health_check_script_exists_for_the_images()
    {
        var script = Repository.ReadAllText("deploy/docker/healthcheck.sh");

        Assert.StartsWith("#!/bin/bash", script, StringComparison.Ordinal);
        Assert.Contains("/dev/tcp/", script, StringComparison.Ordinal);
    }

    private static string DockerfileOf(string project) => Path.Combine(Path.GetDirectoryName(project)!, "Dockerfile").Replace('\\', '/');

    /// <summary>The Dockerfile's instructions, continuation lines joined, comments dropped.</summary>
    private static List<(string Keyword, string Arguments)> Instructions(string project)
    {
        var lines = Repository.ReadAllText(DockerfileOf(project)).Split('\n');
        var instructions = new List<(string, string)>();
        var current = "";
        foreach (var raw in lines)
        {
            var line = raw.TrimEnd('\r');
            if (line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                current += line[..^1].Trim() + " ";
                continue;
            }

            current += line.Trim();
            if (current.Length > 0)
            {
                var space = current.IndexOf(' ', StringComparison.Ordinal);
                instructions.Add(space < 0
                    ? (current.ToUpperInvariant(), "")
                    : (current[..space].ToUpperInvariant(), current[(space + 1)..].Trim()));
            }

            current = "";
        }

        return instructions;
    }

    /// <summary>The sources of a COPY (every word but flags and the destination).</summary>
    private static IEnumerable<string> CopySources(string arguments)
    {
        var words = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToList();
        return words.Take(words.Count - 1);
    }

    /// <summary>The project and every project it references, transitively.</summary>
    private static HashSet<string> ProjectClosure(string project)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([Path.GetFullPath(project)]);
        while (pending.TryPop(out var current))
        {
            if (!seen.Add(current))
            {
                continue;
            }

            foreach (var reference in XDocument.Load(current).Descendants("ProjectReference"))
            {
                var include = reference.Attribute("Include")?.Value.Replace('\\', '/');
                if (include is not null)
                {
                    pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(current)!, include)));
                }
            }
        }

        return seen;
    }
}

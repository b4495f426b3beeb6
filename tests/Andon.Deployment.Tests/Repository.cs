using System.Reflection;

namespace Andon.Deployment.Tests;

/// <summary>
/// Paths in the repository under test, found by walking up from the test's output folder to the
/// folder that holds Andon.slnx (or, when the output lies elsewhere, where the project was built).
/// </summary>
public static class Repository
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    public static string Root => RootPath.Value;

    /// <summary>A path under the repository root, written with forward slashes.</summary>
    public static string PathOf(string relative) =>
        Path.GetFullPath(Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar)));

    public static string ReadAllText(string relative)
    {
        var path = PathOf(relative);
        Assert.True(File.Exists(path), $"{relative} is missing.");
        return File.ReadAllText(path);
    }

    /// <summary><paramref name="path"/> relative to the root, with forward slashes.</summary>
    public static string Relative(string path) =>
        Path.GetRelativePath(Root, path).Replace(Path.DirectorySeparatorChar, '/');

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Andon.slnx")))
            {
                return folder.FullName;
            }
        }

        var built = typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value;
        if (built is not null && File.Exists(Path.Combine(built, "Andon.slnx")))
        {
            return built;
        }

        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds Andon.slnx, nor does {built}.");
    }
}

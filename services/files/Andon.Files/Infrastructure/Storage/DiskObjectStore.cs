using Andon.BuildingBlocks.Errors;

namespace Andon.Files.Infrastructure.Storage;

/// <summary>Objects as files under one folder (standalone). A put writes a temporary file and renames it, so a reader never sees half an object.</summary>
internal sealed class DiskObjectStore(string root) : IObjectStore
{
    private readonly string root = root;

    public Task EnsureReadyAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(root);
        return Task.CompletedTask;
    }

    public async Task PutAsync(string key, Stream content, string contentType, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var partial = path + ".partial";
        try
        {
            await using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                content.Position = 0;
                await content.CopyToAsync(file, cancellationToken);
            }

            File.Move(partial, path, overwrite: true);
        }
        catch (IOException ex)
        {
            File.Delete(partial);
            throw new ServiceUnavailableException("The file store cannot be written.", ex);
        }
    }

    public Task<Stream> ReadAsync(string key, long offset, long length, CancellationToken cancellationToken)
    {
        try
        {
            var file = new FileStream(PathOf(key), FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
            file.Position = offset;
            return Task.FromResult<Stream>(file);
        }
        catch (FileNotFoundException ex)
        {
            throw new ObjectMissingException(key, ex);
        }
        catch (DirectoryNotFoundException ex)
        {
            throw new ObjectMissingException(key, ex);
        }
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        if (File.Exists(path))
        {
            File.Delete(path);
        }

        // Empty folders (a room's, its kind's) go with their last object.
        var root = Path.GetFullPath(this.root);
        for (var folder = Path.GetDirectoryName(path); folder is not null && folder.Length > root.Length && Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any(); folder = Path.GetDirectoryName(folder))
        {
            Directory.Delete(folder);
        }

        return Task.CompletedTask;
    }

    private string PathOf(string key)
    {
        var path = Path.GetFullPath(Path.Combine(root, key));
        if (!path.StartsWith(Path.GetFullPath(root) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Object key {key} leaves the store.", nameof(key));
        }

        return path;
    }
}

/// <summary>A file's row exists but its object does not.</summary>
public sealed class ObjectMissingException : Exception
{
    public ObjectMissingException(string key, Exception? inner) : base($"Object {key} is missing from the store.", inner)
    {
    }

    public ObjectMissingException()
    {
    }

    public ObjectMissingException(string message) : base(message)
    {
    }
}

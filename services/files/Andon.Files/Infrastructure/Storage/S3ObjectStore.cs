using System.IO.Pipelines;
using Andon.BuildingBlocks.Errors;
using Microsoft.Extensions.Logging;
using Minio;
using Minio.DataModel.Args;
using Minio.Exceptions;
using Polly;
using Polly.Registry;

namespace Andon.Files.Infrastructure.Storage;

/// <summary>
/// Objects in an S3 bucket (MinIO in production, s3rver in tests) through the Minio SDK. Each call
/// runs through the <c>s3</c> resilience pipeline (timeout, retries with back-off); a store still
/// unreachable after it is a <see cref="ServiceUnavailableException"/>.
/// </summary>
internal sealed class S3ObjectStore(IMinioClient client, string bucket, ResiliencePipelineProvider<string> pipelines, ILogger<S3ObjectStore> logger) : IObjectStore
{
    public const string Pipeline = "s3";

    private readonly ResiliencePipeline pipeline = pipelines.GetPipeline(Pipeline);

    public Task EnsureReadyAsync(CancellationToken cancellationToken) => Run("check the bucket", async token =>
    {
        if (!await client.BucketExistsAsync(new BucketExistsArgs().WithBucket(bucket), token))
        {
            logger.LogInformation("Creating bucket {Bucket}", bucket);
            await client.MakeBucketAsync(new MakeBucketArgs().WithBucket(bucket), token);
        }
    }, cancellationToken);

    public Task PutAsync(string key, Stream content, string contentType, CancellationToken cancellationToken) => Run("write", async token =>
    {
        content.Position = 0;
        await client.PutObjectAsync(
            new PutObjectArgs().WithBucket(bucket).WithObject(key).WithStreamData(content).WithObjectSize(content.Length).WithContentType(contentType),
            token);
    }, cancellationToken);

    public async Task<Stream> ReadAsync(string key, long offset, long length, CancellationToken cancellationToken)
    {
        // The SDK hands the body to a callback; a pipe turns it into a stream the response can pull
        // from. The call counts as started (and its errors as the caller's) once the body arrives.
        var done = new CancellationTokenSource();
        var pipe = new Pipe();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var args = new GetObjectArgs().WithBucket(bucket).WithObject(key).WithCallbackStream(async (body, token) =>
        {
            started.TrySetResult();
            await body.CopyToAsync(pipe.Writer, token);
        });
        _ = Task.Run(
            async () =>
            {
                try
                {
                    await client.GetObjectAsync(args, done.Token);
                    await pipe.Writer.CompleteAsync();
                }
                catch (Exception ex)
                {
                    var failure = Translate(ex, key, "read");
                    started.TrySetException(failure);
                    await pipe.Writer.CompleteAsync(failure);
                }
            },
            CancellationToken.None);
        try
        {
            await started.Task.WaitAsync(cancellationToken);
        }
        catch
        {
            await done.CancelAsync();
            done.Dispose();
            throw;
        }

        // A ranged GET answers 206, which this SDK reports as an error (PartialContentException):
        // read from the start and skip to the offset instead (objects are at most 20 MB).
        var stream = new OwnedStream(pipe.Reader.AsStream(), done);
        await SkipAsync(stream, offset, cancellationToken);
        return stream;
    }

    private static async Task SkipAsync(Stream stream, long count, CancellationToken cancellationToken)
    {
        var buffer = new byte[81920];
        while (count > 0)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count)), cancellationToken);
            if (read == 0)
            {
                return;
            }

            count -= read;
        }
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken) => Run("delete", token =>
        client.RemoveObjectAsync(new RemoveObjectArgs().WithBucket(bucket).WithObject(key), token), cancellationToken);

    private async Task Run(string what, Func<CancellationToken, Task> call, CancellationToken cancellationToken)
    {
        try
        {
            await pipeline.ExecuteAsync(async token => await call(token), cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw Translate(ex, bucket, what);
        }
    }

    private Exception Translate(Exception ex, string key, string what)
    {
        if (ex is ObjectNotFoundException)
        {
            return new ObjectMissingException(key, ex);
        }

        if (ex is OperationCanceledException or ServiceUnavailableException or ObjectMissingException)
        {
            return ex;
        }

        logger.LogWarning(ex, "The object store could not {What} {Key}", what, key);
        return new ServiceUnavailableException("The file store cannot be reached.", ex);
    }

    /// <summary>A stream that stops the download behind it when it is disposed.</summary>
    private sealed class OwnedStream(Stream inner, CancellationTokenSource owner) : Stream
    {
        private bool disposed;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            inner.ReadAsync(buffer, cancellationToken);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing && !disposed)
            {
                disposed = true;
                owner.Cancel();
                owner.Dispose();
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Andon.Identity.Infrastructure.TokenServer;

/// <summary>
/// The token server's keys, kept as files in <c>Identity:KeysPath</c> so tokens outlive a restart and
/// every replica signs alike. A missing key is created once; concurrent starters agree on the first file written.
/// </summary>
internal static class SigningKeys
{
    public static RsaSecurityKey LoadOrCreateSigningKey(string folder)
    {
        var pem = LoadOrCreate(Path.Combine(folder, "signing-key.pem"), () =>
        {
            using var created = RSA.Create(2048);
            return created.ExportRSAPrivateKeyPem();
        });
        var rsa = RSA.Create();
        rsa.ImportFromPem(pem);
        return new RsaSecurityKey(rsa) { KeyId = KeyId(rsa) };
    }

    public static SymmetricSecurityKey LoadOrCreateEncryptionKey(string folder)
    {
        var base64 = LoadOrCreate(Path.Combine(folder, "encryption-key.txt"), () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        return new SymmetricSecurityKey(Convert.FromBase64String(base64.Trim()));
    }

    private static string KeyId(RSA rsa) =>
        Convert.ToHexStringLower(SHA256.HashData(rsa.ExportSubjectPublicKeyInfo()))[..16];

    private static string LoadOrCreate(string path, Func<string> create)
    {
        if (File.Exists(path))
        {
            return File.ReadAllText(path);
        }

        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllText(temporary, create());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        try
        {
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
        }

        return File.ReadAllText(path);
    }
}

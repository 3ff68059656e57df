using System.Security.Cryptography;

namespace HandoffBot.Hosting.Access;

/// <summary>
/// Where the agent console's sign-in keys on embedded defaults come from (<see cref="AccessKeys.AddGenerated"/>):
/// random per process on SQLite (one process; a restart makes new keys), derived from one secret of the deployment on
/// PostgreSQL, so every instance prints the same links and accepts every link another instance printed.
/// </summary>
public interface ISignInKeySource
{
    /// <summary>The key for <paramref name="entry"/> (name, role, agent id; its own key is ignored).</summary>
    string KeyFor(ApiKeyEntry entry);
}

/// <summary>A new random key every time: the keys live as long as this process.</summary>
public sealed class RandomSignInKeys : ISignInKeySource
{
    public string KeyFor(ApiKeyEntry entry) => SignInKeyText.Of(RandomNumberGenerator.GetBytes(24));
}

/// <summary>The text form of a sign-in key: URL-safe base64 (it travels in a link's fragment).</summary>
public static class SignInKeyText
{
    public static string Of(ReadOnlySpan<byte> key) => Convert.ToBase64String(key).Replace('+', '-').Replace('/', '_');
}

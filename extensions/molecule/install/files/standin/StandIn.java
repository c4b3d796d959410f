// STAND-IN for Digdir's integrasjonspunkt, for the molecule test ONLY. It is not the integrasjonspunkt.
// The real JAR cannot be downloaded on the test machines, so this tiny app plays its part:
//  * reads integrasjonspunkt-local.properties from its working directory, plus the file named by
//    -Dspring.config.additional-location (file:..., refusing to start when it is missing unless
//    optional:file:...), like Spring Boot does;
//  * listens on server.port (default 9093);
//  * answers GET /manage/health with {"status":"UP"} (200) only when the required properties are
//    present, the keystore opens with the configured password and holds the alias, its certificate's serial is not listed
//    in /etc/integrasjonspunkt-standin/virksert-refused (a certificate directory without it), and SPRING_PROFILES_ACTIVE is production|staging;
//    otherwise {"status":"DOWN", "missing": [...]} (503);
//  * GET /manage/info returns the baked-in version;
//  * difi.ssl.enabled=true: serves HTTPS with difi.ssl.key-store (type, password, alias as the real one's
//    server.ssl.* take them) and exits when that keystore does not open or lacks the alias, as the real
//    embedded web server does not start; false: plain HTTP;
//  * difi.security.enable=true: GET /api/statuses needs HTTP basic auth with difi.security.user.name/.password
//    (401 and WWW-Authenticate otherwise), while /manage/* stays open, as Oauth2ClientSecurityConfig does in
//    v4.0.8; false: /api/statuses answers anyone;
//  * creates the H2 file in the data directory if it is missing (never rewrites it) and appends
//    "Started IntegrasjonspunktApplication" to logging.file.name.
// A build whose embedded standin-build.properties says healthy=false is the "never healthy" release.
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.*;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.util.*;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

public class StandIn {
    static final String[] REQUIRED = {
        "difi.move.org.number", "difi.move.org.keystore.alias", "difi.move.org.keystore.password",
        "difi.move.org.keystore.path", "difi.move.org.keystore.type", "difi.ssl.enabled",
        "difi.security.enable", "difi.datasource.url", "difi.activemq.broker-url", "difi.move.ntp.host",
    };

    static Properties load(Path p, Properties into) throws IOException {
        if (Files.isReadable(p)) {
            try (Reader r = Files.newBufferedReader(p, StandardCharsets.ISO_8859_1)) { into.load(r); }
        }
        return into;
    }

    static void send(HttpExchange ex, int code, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(code, b.length);
        try (OutputStream os = ex.getResponseBody()) { os.write(b); }
    }

    // The TLS context the real server.ssl.* would build: the keystore, its password, and only the alias's key.
    static SSLContext tls(Properties props) throws Exception {
        String path = props.getProperty("difi.ssl.key-store", "").replaceFirst("^file:", "");
        char[] pw = props.getProperty("difi.ssl.key-store-password", "").toCharArray();
        String alias = props.getProperty("difi.ssl.key-alias", "");
        KeyStore store = KeyStore.getInstance(props.getProperty("difi.ssl.key-store-type", "JKS"));
        try (InputStream in = Files.newInputStream(Paths.get(path))) { store.load(in, pw); }
        java.security.Key key = store.getKey(alias, pw);
        if (key == null) throw new IllegalStateException("no key with alias " + alias + " in " + path);
        KeyStore only = KeyStore.getInstance("PKCS12");
        only.load(null, null);
        only.setKeyEntry(alias, key, pw, store.getCertificateChain(alias));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(only, pw);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    // The real one refuses a certificate the certificate directory (virksert) does not hold, with DPO/DPE. The
    // stand-in's directory: serials (lower-case hex, one a line) listed in VIRKSERT_REFUSED are "not there".
    static final Path VIRKSERT_REFUSED = Paths.get("/etc/integrasjonspunkt-standin/virksert-refused");

    static boolean notInVirksert(KeyStore store, String alias) throws Exception {
        if (!Files.isReadable(VIRKSERT_REFUSED)) return false;
        String serial = ((java.security.cert.X509Certificate) store.getCertificate(alias)).getSerialNumber().toString(16);
        for (String line : Files.readAllLines(VIRKSERT_REFUSED)) if (line.trim().equalsIgnoreCase(serial)) return true;
        return false;
    }

    // HTTP basic auth as Spring Security checks it: "Basic base64(user:password)", compared in constant time.
    static boolean authorised(HttpExchange ex, String user, String password) {
        String header = ex.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.startsWith("Basic ")) return false;
        String given;
        try {
            given = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return false;
        }
        byte[] want = (user + ":" + password).getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(want, given.getBytes(StandardCharsets.UTF_8));
    }

    public static void main(String[] args) throws Exception {
        Properties build = new Properties();
        try (InputStream in = StandIn.class.getResourceAsStream("/standin-build.properties")) {
            if (in != null) build.load(in);
        }
        String version = build.getProperty("version", "unknown");
        boolean healthy = !"false".equals(build.getProperty("healthy", "true"));

        Properties props = load(Paths.get("integrasjonspunkt-local.properties"), new Properties());
        String extra = System.getProperty("spring.config.additional-location", "");
        if (!extra.isEmpty()) {
            // As Spring Boot: a location without "optional:" that does not exist stops the start
            // (ConfigDataLocationNotFoundException); an optional one is skipped.
            Path location = Paths.get(extra.replaceFirst("^optional:", "").replaceFirst("^file:", ""));
            if (!extra.startsWith("optional:") && !Files.isReadable(location)) {
                System.err.println("ConfigDataLocationNotFoundException: Config data location '" + extra + "' cannot be found");
                System.exit(1);
            }
            load(location, props);
        }

        List<String> missing = new ArrayList<>();
        for (String k : REQUIRED) if (props.getProperty(k, "").isEmpty()) missing.add(k);
        String ks = props.getProperty("difi.move.org.keystore.path", "").replaceFirst("^file:", "");
        if (!ks.isEmpty() && !Files.isReadable(Paths.get(ks))) missing.add("readable keystore " + ks);
        else if (!ks.isEmpty()) {
            // Open the keystore with the configured password and find the alias, as the real one does.
            try {
                java.security.KeyStore store = java.security.KeyStore.getInstance(props.getProperty("difi.move.org.keystore.type", "PKCS12"));
                char[] pw = props.getProperty("difi.move.org.keystore.password", "").toCharArray();
                try (InputStream in = Files.newInputStream(Paths.get(ks))) { store.load(in, pw); }
                String alias = props.getProperty("difi.move.org.keystore.alias", "");
                if (store.getKey(alias, pw) == null) missing.add("alias in keystore");
                else if (notInVirksert(store, alias)) missing.add("certificate not in the certificate directory (virksert)");
            } catch (Exception e) {
                missing.add("keystore does not open: " + e.getClass().getSimpleName());
            }
        }
        String profile = System.getenv().getOrDefault("SPRING_PROFILES_ACTIVE", "");
        if (!profile.equals("production") && !profile.equals("staging")) missing.add("SPRING_PROFILES_ACTIVE");
        if (!healthy) missing.add("(this stand-in build never becomes healthy)");

        String db = props.getProperty("difi.datasource.url", "");
        if (db.startsWith("jdbc:h2:file:")) {
            Path mv = Paths.get(db.substring("jdbc:h2:file:".length()) + ".mv.db");
            if (!Files.exists(mv)) Files.write(mv, ("stand-in H2 file created by " + version + "\n").getBytes());
        }
        String log = props.getProperty("logging.file.name", "");
        if (!log.isEmpty()) {
            Files.write(Paths.get(log), ("Started IntegrasjonspunktApplication (stand-in " + version + ")\n").getBytes(),
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }

        boolean ssl = "true".equals(props.getProperty("difi.ssl.enabled"));
        boolean auth = "true".equals(props.getProperty("difi.security.enable"));
        String user = props.getProperty("difi.security.user.name", "");
        String password = props.getProperty("difi.security.user.password", "");
        if (auth && (user.isEmpty() || password.isEmpty())) missing.add("difi.security.user.name/password");

        int port = Integer.parseInt(props.getProperty("server.port", "9093"));
        HttpServer server;
        if (ssl) {
            SSLContext context;
            try {
                context = tls(props);
            } catch (Exception e) {
                // The real embedded web server does not start without its TLS keystore.
                System.err.println("Web server failed to start: TLS keystore: " + e);
                System.exit(1);
                return;
            }
            HttpsServer https = HttpsServer.create(new InetSocketAddress(port), 0);
            https.setHttpsConfigurator(new HttpsConfigurator(context));
            server = https;
        } else {
            server = HttpServer.create(new InetSocketAddress(port), 0);
        }
        final String body = missing.isEmpty() ? "{\"status\":\"UP\"}"
            : "{\"status\":\"DOWN\",\"missing\":[\"" + String.join("\",\"", missing) + "\"]}";
        final int code = missing.isEmpty() ? 200 : 503;
        server.createContext("/manage/health", ex -> send(ex, code, body));
        server.createContext("/manage/info", ex ->
            send(ex, 200, "{\"build\":{\"version\":\"" + version + "\",\"standin\":true}}"));
        server.createContext("/api/statuses", ex -> {
            if (auth && !authorised(ex, user, password)) {
                ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"Realm\"");
                send(ex, 401, "{\"error\":\"Unauthorized\"}");
                return;
            }
            send(ex, 200, "{\"content\":[],\"standin\":true}");
        });
        server.start();
        System.out.println("Stand-in integrasjonspunkt " + version + " on port " + port + (ssl ? " (https" : " (http")
            + (auth ? ", basic auth): " : ", no auth): ") + body);
    }
}

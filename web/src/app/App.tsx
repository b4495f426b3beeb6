import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, Outlet, Route, Routes, useLocation } from 'react-router';
import { LoginPage } from '../features/auth/LoginPage';
import { SessionProvider, useSession } from '../features/auth/session';
import { RoomListPage } from '../features/rooms/RoomListPage';
import { RoomPage } from '../features/rooms/RoomPage';
import { LanguageSwitch } from './LanguageSwitch';

export function createQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: (count, error) => (error as { status?: number }).status !== 401 && (error as { status?: number }).status !== 404 && count < 2, refetchOnWindowFocus: true },
    },
  });
}

function RequireSession() {
  const { user, loading } = useSession();
  const location = useLocation();
  const { t } = useTranslation();
  if (loading) return <p role="status" className="page">{t('rooms.loading')}</p>;
  if (!user) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  return (
    <>
      <AppHeader />
      <Outlet />
    </>
  );
}

function AppHeader() {
  const { t } = useTranslation();
  const { user, signOut } = useSession();
  return (
    <header className="app-header">
      <a href="#main" className="skip">
        {t('app.skip')}
      </a>
      <Link to="/" className="brand">
        <span className="andon-light" aria-hidden="true" />
        {t('app.name')}
      </Link>
      <div className="header-end">
        <span className="who" title={user?.user_id}>
          {user?.display_name}
        </span>
        <LanguageSwitch />
        <button type="button" onClick={() => void signOut()}>
          {t('app.logout')}
        </button>
      </div>
    </header>
  );
}

function LoginRoute() {
  const { user, loading } = useSession();
  if (loading) return null;
  if (user) return <Navigate to="/" replace />;
  return <LoginPage />;
}

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/login" element={<LoginRoute />} />
      <Route element={<RequireSession />}>
        <Route path="/" element={<RoomListPage />} />
        <Route path="/rooms/:roomId" element={<RoomPage />} />
      </Route>
      <Route path="*" element={<Navigate to="/" replace />} />
    </Routes>
  );
}

export function App({ client }: { client: QueryClient }) {
  return (
    <QueryClientProvider client={client}>
      <SessionProvider>
        <AppRoutes />
      </SessionProvider>
    </QueryClientProvider>
  );
}

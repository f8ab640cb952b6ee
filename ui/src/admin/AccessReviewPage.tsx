/**
 * One access review: when it started, by when flagged entries must be confirmed, and its
 * flagged users and API keys (named from the users and keys lists: the review itself holds
 * ids only). In an open review the admin ticks the entries to keep and confirms them; those
 * stay enabled when it completes, the rest are disabled. A completed review shows what became
 * of each entry. The entries not flagged are one switch away.
 */
import { Alert, Button, Group, Skeleton, Stack, Switch, Text, Title } from '@mantine/core';
import { IconAlertTriangle, IconArrowLeft } from '@tabler/icons-react';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client';
import { can } from '../api/session';
import { ErrorAlert } from '../forms/ErrorAlert';
import { useFormat } from '../i18n/format';
import { ButtonLink } from '../shell/links';
import { useSession } from '../shell/use-session';
import {
  accessReviewQuery,
  accessReviewsQuery,
  apiKeysQuery,
  confirmAccessReviewCall,
  usersQuery,
  type AccessReview,
} from './api';
import { AccessReviewStatusBadge } from './AccessReviewStatusBadge';
import { ReviewEntriesTable, type ReviewRow } from './ReviewEntriesTable';
import { flaggedCounts } from './review-counts';
import { forbidden } from './UsersPage';

// A review just started is read once its workflow opened it, within seconds: until then the
// server answers 404, so the page keeps asking for a while.
const notYetOpen = (count: number, error: unknown) =>
  error instanceof ApiError && error.status === 404 && count < 30;

export function AccessReviewPage({ reviewId }: { reviewId: string }) {
  const { t } = useTranslation();
  const session = useSession();
  const allowed = can(session, 'users.manage');
  const review = useQuery({
    ...accessReviewQuery(reviewId),
    enabled: allowed,
    retry: notYetOpen,
    retryDelay: 1_000,
  });

  if (!allowed) return <ErrorAlert error={forbidden} />;
  return (
    <Stack gap="lg">
      <Group>
        <ButtonLink
          to="/admin/access-reviews"
          variant="subtle"
          size="xs"
          leftSection={<IconArrowLeft size={14} />}
        >
          {t('admin.accessReviews.back')}
        </ButtonLink>
      </Group>
      {review.data ? (
        <ReviewDetail review={review.data} />
      ) : review.isPending ? (
        <Stack gap="md">
          <Text c="dimmed">{t('admin.accessReviews.opening')}</Text>
          <Skeleton h={240} />
        </Stack>
      ) : (
        <ErrorAlert error={review.error} />
      )}
    </Stack>
  );
}

function ReviewDetail({ review }: { review: AccessReview }) {
  const { t } = useTranslation();
  const format = useFormat();
  const session = useSession();
  const queryClient = useQueryClient();
  const users = useQuery(usersQuery);
  const keys = useQuery(apiKeysQuery);
  const [showAll, setShowAll] = useState(false);
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const open = review.status === 'open';
  const counts = flaggedCounts(review);

  const confirm = useMutation({
    mutationFn: () =>
      confirmAccessReviewCall(review.id, {
        userIds: review.users.filter((u) => picked.has(u.id)).map((u) => u.id),
        apiKeyIds: review.apiKeys.filter((k) => picked.has(k.id)).map((k) => k.id),
      }),
    onSuccess: async (saved) => {
      const kept = picked.size;
      setPicked(new Set());
      queryClient.setQueryData(accessReviewQuery(saved.id).queryKey, saved);
      await queryClient.invalidateQueries({ queryKey: accessReviewsQuery.queryKey, exact: true });
      notifications.show({
        color: 'teal',
        message: t('admin.accessReviews.confirmedDone', { count: kept }),
      });
    },
  });

  const email = (id: string) =>
    users.data?.find((u) => u.id === id)?.email ??
    (id === session.user.id ? session.user.email : id);
  const person = (id: string) =>
    id === session.user.id ? t('admin.supportAccess.you') : email(id);
  const userRows: ReviewRow[] = review.users.map((u) => ({
    entry: u,
    name:
      u.id === session.user.id
        ? t('admin.accessReviews.yourself', { email: email(u.id) })
        : email(u.id),
    detail: u.lastLoginAt
      ? t('admin.users.lastLoginAt', { when: format.dateTime(u.lastLoginAt) })
      : t('admin.users.neverSignedIn'),
    features: u.features,
  }));
  const keyRows: ReviewRow[] = review.apiKeys.map((k) => ({
    entry: k,
    name: keys.data?.find((key) => key.id === k.id)?.name ?? k.id,
    detail: [
      t('admin.apiKeys.by', { who: person(k.createdBy) }),
      k.lastUsedAt
        ? t('admin.accessReviews.lastUsed', { when: format.dateTime(k.lastUsedAt) })
        : t('admin.accessReviews.neverUsed'),
    ].join(' · '),
    features: k.scopes,
  }));
  const table = (rows: ReviewRow[], label: string) => (
    <ReviewEntriesTable
      label={label}
      rows={showAll ? rows : rows.filter((r) => r.entry.flagged)}
      confirmable={open}
      picked={picked}
      onPick={(id, on) =>
        setPicked((was) => {
          const next = new Set(was);
          if (on) next.add(id);
          else next.delete(id);
          return next;
        })
      }
      confirmerName={person}
    />
  );

  return (
    <Stack gap="lg">
      <Stack gap={4}>
        <Group gap="sm">
          <Title order={2}>
            {t('admin.accessReviews.reviewTitle', { when: format.date(review.createdAt) })}
          </Title>
          <AccessReviewStatusBadge review={review} />
        </Group>
        <Text size="sm" c="dimmed">
          {t(`admin.accessReviews.startedBy.${review.startedBy}`)} ·{' '}
          {format.dateTime(review.createdAt)} ·{' '}
          {t('admin.accessReviews.staleAfter', { count: review.staleAfterDays })}
        </Text>
      </Stack>
      {open
        ? counts.users + counts.apiKeys > counts.confirmed && (
            <Alert color="yellow" icon={<IconAlertTriangle size={18} />} maw={760}>
              {t('admin.accessReviews.openAlert', { when: format.dateTime(review.dueAt) })}
            </Alert>
          )
        : review.outcome && (
            <Text size="sm">
              {t('admin.accessReviews.completedOn', {
                when: format.dateTime(review.completedAt ?? review.dueAt),
              })}{' '}
              {t('admin.accessReviews.outcomeSummary', review.outcome)}
            </Text>
          )}
      <Switch
        label={t('admin.accessReviews.showAll', {
          count: review.users.length + review.apiKeys.length,
        })}
        checked={showAll}
        onChange={(e) => setShowAll(e.currentTarget.checked)}
      />
      {table(userRows, t('admin.accessReviews.users'))}
      {table(keyRows, t('admin.accessReviews.apiKeys'))}
      {open && (
        <Stack gap="xs" align="flex-start">
          <ErrorAlert error={confirm.error} title={t('admin.accessReviews.confirmRefused')} />
          <Group>
            <Button
              disabled={picked.size === 0}
              loading={confirm.isPending}
              onClick={() => confirm.mutate()}
            >
              {picked.size === 0
                ? t('admin.accessReviews.confirmNone')
                : t('admin.accessReviews.confirm', { count: picked.size })}
            </Button>
            <Text size="sm" c="dimmed">
              {t('admin.accessReviews.confirmHelp')}
            </Text>
          </Group>
        </Stack>
      )}
    </Stack>
  );
}
